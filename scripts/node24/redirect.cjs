// Preloaded through NODE_OPTIONS in every process of `npm run test:node24`: `better-sqlite3` resolves to the copy
// built for that Node (NODE24_BETTER_SQLITE3), so node_modules keeps the build for the Node that ran `npm ci`.
const Module = require('node:module');

const target = process.env.NODE24_BETTER_SQLITE3;
if (target) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return resolve.call(this, request === 'better-sqlite3' ? target : request, ...rest);
  };
}
