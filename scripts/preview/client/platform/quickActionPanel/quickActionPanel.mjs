import { LightningElement } from 'lwc';

/**
 * lightning-quick-action-panel is not in lightning-base-components; the preview page draws the modal and its
 * header, so this only places the body and the footer slot.
 */
export default class QuickActionPanel extends LightningElement {}
