// The ACME directories the stages default to (a leaf: specs.ts and tls.ts both read it).
/** The ACME directories the defaults name. */
export const ACME_DIRECTORIES = {
  letsEncrypt: "https://acme-v02.api.letsencrypt.org/directory",
  letsEncryptStaging: "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;
