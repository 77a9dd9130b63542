/**
 * What the free-text assignment rules (`password=`, `secret:`, `token ->`, `api_key =`) must
 * not take for a credential, beyond the placeholders and status words of isPlaceholder: the value is code, or
 * the key word starts a sentence. Log lines quote source code all the time (stack traces,
 * config dumps, SQL, Python tracebacks), and gitleaks' generic rule and detect-secrets'
 * keyword plugin keep the same cases out (their test suites: `password = request.json_body
 * ['hey']`, `login(username=username, password=password)`, `apiKey: this.apiKey,`).
 *
 * Each check looks at the value and at the text right around it, never at more than a few
 * dozen characters, so a rule's scan stays linear.
 */

/** Roots of an expression that reads a credential from somewhere else (`cfg.password`). */
const CODE_ROOTS = new Set([
  'this', 'self', 'cls', 'cfg', 'conf', 'config', 'configuration', 'settings', 'options', 'opts', 'process', 'os',
  'request', 'req', 'res', 'response', 'form', 'params', 'args', 'argv', 'kwargs', 'ctx', 'context', 'props', 'state',
  'vault', 'secrets', 'credentials', 'creds', 'data', 'body', 'payload', 'input', 'app', 'session', 'window', 'module',
  'exports', 'sys', 'keyring', 'getpass', 'field', 'fields', 'values', 'vars', 'environ', 'event', 'record', 'model',
]);

/** A value that names its own key: `password=password`, `token: token` (a parameter passed on). */
const SELF_NAMES = new Set([
  'password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'token', 'key', 'apikey', 'accesskey', 'privatekey',
  'secretkey', 'clientsecret', 'authtoken', 'accesstoken', 'refreshtoken', 'signingkey', 'encryptionkey', 'masterkey',
]);

const IDENT_PATH = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)+$/;
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const HUMP = /[a-z][A-Z]/;
/** group:artifact:...:version, as Maven, Gradle and Ivy print dependencies. */
const COORDINATES = /^[\w.-]+(?::[\w.-]+){2,}$/;
const VERSION_PART = /:v?\d+(?:\.\d+)+/;

function quoted(text: string, start: number): boolean {
  const c = text.charCodeAt(start - 1);
  return c === 0x22 || c === 0x27 || c === 0x60; // " ' `
}

/** `a.b.c`: an attribute or property path rather than a password with dots in it. */
function isPropertyPath(v: string): boolean {
  if (!IDENT_PATH.test(v) || /\d/.test(v)) return false;
  const parts = v.split('.');
  if (parts.length >= 3 || CODE_ROOTS.has(parts[0]!.toLowerCase())) return true;
  return parts.some((p) => p.includes('_') || p.includes('$') || HUMP.test(p));
}

/**
 * A file system path, told from a base64 secret that happens to start with '/': relative
 * (`~/`, `./`, `../`), under a well-known root, or ending in a file name with an extension;
 * path characters only. (`/Yq3kL9vX2mN7pR4tW8zB1cF6hJ0dG5sA` is a key, not a path.)
 */
export function isFilePath(v: string): boolean {
  if (!/^(?:~|\.{1,2})?\/[\w.@-]+(?:\/[\w.@-]+)*\/?$/.test(v)) return false;
  if (/^(?:~|\.{1,2})\//.test(v)) return true;
  if (/^\/(?:etc|var|home|run|opt|usr|srv|tmp|mnt|data|app|root|secrets?|certs?|config|Users|Library)(?:\/|$)/.test(v)) return true;
  return /\/[\w@-]+\.[a-z][a-z0-9]{0,4}$/.test(v);
}

/**
 * True when the value of an assignment at text[start, end) is code or prose, not a
 * credential. Quoted values are literals: only the self-name check applies to them.
 */
export function isCodeOrProse(v: string, text: string, start: number, end: number): boolean {
  if (SELF_NAMES.has(v.toLowerCase().replace(/[^a-z]/g, ''))) return true;
  if (quoted(text, start)) return false;
  const next = text.charCodeAt(end);
  // A call or an index: `getpass.getpass()`, `request.form['password']`.
  if ((next === 0x28 || next === 0x5b) && (IDENT.test(v) || IDENT_PATH.test(v))) return true;
  if (isPropertyPath(v)) return true;
  // A file path names where the secret is kept (`secret: /etc/app/secret.yaml`, `PWD=/home/app`).
  if (isFilePath(v)) return true;
  if (COORDINATES.test(v) && VERSION_PART.test(v)) return true;
  // A word and then more words: the key word began a sentence ("password: policy violation",
  // "Password: This password is too common."). A credential followed by prose still has a
  // digit, a symbol or a mixed-case run that a plain word has not.
  if (/^[A-Za-z][a-z]{0,19}$/.test(v) && /^[ \t]+[A-Za-z]/.test(text.slice(end, end + 3))) return true;
  // pam_unix(passwd:chauthtok): a PAM service and its management group, in every auth log.
  if (IDENT.test(v) && /pam_[a-z_]{1,20}\([a-z-]{1,20}:$/.test(text.slice(Math.max(0, start - 48), start))) return true;
  return false;
}
