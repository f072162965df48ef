import { createElement } from 'lwc';
import CoupaPanelState from 'c/coupaPanelState';

const flushPromises = () => Promise.resolve();

async function mount(props) {
  const element = createElement('c-coupa-panel-state', { is: CoupaPanelState });
  Object.assign(element, props);
  document.body.appendChild(element);
  await flushPromises();
  return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const text = (element, selector) => $(element, selector)?.textContent.trim();

describe('c-coupa-panel-state', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
  });

  it('shows a spinner with the given text, or a translated default', async () => {
    const element = await mount({ variant: 'loading', loadingText: 'Loading Coupa invoices' });
    expect($(element, 'lightning-spinner').alternativeText).toBe('Loading Coupa invoices');
    expect($(element, '.error')).toBeNull();

    const plain = await mount({ variant: 'loading' });
    // The label resolves to its English value (an unknown label would read 'c.Coupa_State_Loading').
    expect($(plain, 'lightning-spinner').alternativeText).toBe('Loading');
  });

  it('reduces LDS errors to a readable message under the title, as an alert', async () => {
    const element = await mount({
      variant: 'error',
      title: 'Could not load Coupa invoices',
      errors: [{ body: { message: 'Something broke' } }, { body: [{ message: 'And this' }] }]
    });
    const alert = $(element, '.error');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(text(element, '.error-title')).toBe('Could not load Coupa invoices');
    expect(text(element, '.error-details')).toBe('Something broke, And this');
    expect($(element, 'lightning-icon').alternativeText).toBe('Error');
    expect($(element, 'lightning-spinner')).toBeNull();
  });

  it('falls back to the message when an error has no readable text', async () => {
    const element = await mount({ variant: 'error', title: 'Failed', errors: [{}], message: 'Try again later' });
    expect(text(element, '.error-details')).toBe('Try again later');
  });

  it('names what is missing when the user has no access', async () => {
    const element = await mount({
      variant: 'no-access',
      title: "You don't have access to Coupa invoices.",
      message: 'Ask your administrator for the Coupa Viewer permission set.'
    });
    expect(text(element, '.no-access-title')).toBe("You don't have access to Coupa invoices.");
    expect(text(element, '.no-access-message')).toContain('Coupa Viewer');
    expect($(element, '.error')).toBeNull();
    expect($(element, '.empty-state')).toBeNull();
  });

  it('explains an empty state, with or without a second line', async () => {
    const element = await mount({ variant: 'empty', title: 'No invoices yet.', message: 'They appear after a sync.' });
    expect(text(element, '.empty-title')).toBe('No invoices yet.');
    expect(text(element, '.empty-message')).toBe('They appear after a sync.');

    const short = await mount({ variant: 'empty', title: 'Nothing here.' });
    expect($(short, '.empty-message')).toBeNull();
  });

  it('renders nothing for an unknown variant', async () => {
    const element = await mount({ variant: 'content' });
    expect(element.shadowRoot.children).toHaveLength(0);
  });

  it('follows a change of variant', async () => {
    const element = await mount({ variant: 'loading' });
    element.variant = 'empty';
    element.title = 'Nothing yet';
    await flushPromises();
    expect($(element, 'lightning-spinner')).toBeNull();
    expect(text(element, '.empty-title')).toBe('Nothing yet');
  });

  it.each([
    ['loading', {}],
    ['error', { title: 'Could not load', errors: { body: { message: 'Boom' } } }],
    ['no-access', { title: 'No access', message: 'Ask for Coupa Viewer' }],
    ['empty', { title: 'Nothing yet', message: 'Later' }]
  ])('is accessible: %s', async (variant, props) => {
    const element = await mount({ variant, ...props });
    await expect(element).toBeAccessible();
  });
});
