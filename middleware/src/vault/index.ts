export { Vault, VaultError, KEY_CHECK_NAME, type CredentialInfo, type VaultOptions } from './vault';
