/** In Lightning Experience this closes the quick action's modal; the preview page listens for it. */
export class CloseActionScreenEvent extends CustomEvent {
  constructor() {
    super('close', { bubbles: true, composed: true });
  }
}
