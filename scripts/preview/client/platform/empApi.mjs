/**
 * lightning/empApi over the Streaming API (CometD long polling at /cometd/NN.N), with the Faye browser client
 * that the preview page loads; the preview server forwards /cometd with the session.
 */
import { API_VERSION } from './transport.mjs';

let client;
const errorHandlers = [];
const replayFrom = new Map();

function getClient() {
  if (!client) {
    client = new window.Faye.Client(`${window.location.origin}/cometd/${API_VERSION}`, { timeout: 120 });
    client.disable('websocket');
    client.disable('callback-polling');
    client.addExtension({
      outgoing(message, callback) {
        if (message.channel === '/meta/subscribe' && replayFrom.has(message.subscription)) {
          message.ext = {
            ...(message.ext || {}),
            replay: { [message.subscription]: replayFrom.get(message.subscription) }
          };
        }
        callback(message);
      }
    });
    client.on('transport:down', () => errorHandlers.forEach((h) => h({ error: 'transport down' })));
  }
  return client;
}

export function isEmpEnabled() {
  return Promise.resolve(typeof window !== 'undefined' && !!window.Faye);
}

export function subscribe(channel, replayId, onMessageCallback) {
  replayFrom.set(channel, replayId);
  const sub = getClient().subscribe(channel, (data) => onMessageCallback({ channel, data }));
  return new Promise((resolve, reject) => {
    sub.then(
      () => resolve({ id: `${channel}:${Date.now()}`, channel, replayId, subscription: sub }),
      (error) => {
        errorHandlers.forEach((h) => h(error));
        reject(error);
      }
    );
  });
}

export function unsubscribe(subscription, callback) {
  if (subscription && subscription.subscription) {
    subscription.subscription.cancel();
  }
  if (callback) {
    callback({ successful: true });
  }
  return Promise.resolve(true);
}

export function onError(callback) {
  errorHandlers.push(callback);
  return Promise.resolve();
}

export function setDebugFlag() {
  return Promise.resolve();
}
