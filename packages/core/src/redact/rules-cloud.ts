/**
 * Provider-specific secret rules, first half: cloud platforms, code hosts, package
 * registries, deployment and secret-management services. The SaaS half is
 * rules-saas.ts; generic shapes (private keys, JWTs, URLs, headers, assignments) are
 * rules-generic.ts.
 *
 * Formats follow each provider's documentation or announcement (cited per family);
 * the prefix lists were cross-checked against gitleaks' default config and trufflehog
 * detectors, but the patterns are our own. Every pattern is linear-time: a left edge
 * that rejects a start inside a longer token (so each scan of a token body ends where
 * the next possible start begins), bounded repeats, and no quantified alternations
 * whose branches overlap.
 *
 * The example values are random strings in each documented format, not real
 * credentials. Long prefixed examples are split after the prefix ('ghp_' + '...') so
 * that source-level secret scanners (GitHub push protection, gitleaks) do not flag
 * this file; the string values are unchanged.
 */

import type { Rule } from './rule.js';
import { githubTokenChecksumValid, isPlaceholder, npmTokenChecksumValid } from './validators.js';

// A token may start at the beginning of text, after any non-word character, or right
// after a percent-escape ('%3Dghp_...' in a nested query string) or a backslash escape
// ('\nghp_...' in JSON-escaped text), which are separators in disguise.
const L = String.raw`(?:(?<![A-Za-z0-9_])|(?<=%[0-9A-Fa-f]{2}|\\[nrt]))`;
/** Right edges, one per token alphabet: the token must not continue. */
const R_ALNUM = String.raw`(?![A-Za-z0-9_])`;
const R_URL = String.raw`(?![A-Za-z0-9_-])`;
const R_B64 = String.raw`(?![A-Za-z0-9+/=])`;
/**
 * Between a key and its value: an optional closing quote (maybe backslash-escaped, as
 * in JSON inside a string), blanks, one of = : := => ->, blanks, an optional opening quote.
 */
const SEP = String.raw`\\?["'\x60]?[ \t]{0,8}(?::=|=>|->|[:=])[ \t]{0,8}\\?["'\x60]?`;
const UUID = String.raw`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`;

/** A self-identifying token: `body` is the whole token, prefix included. */
function token(body: string, right: string = R_ALNUM): RegExp {
  return new RegExp(`${L}(?<secret>${body})${right}`, 'g');
}

/**
 * The left guard for tokens whose body may contain '-': a match must not start right after
 * a '-' either, or input like "glpat-glpat-glpat-..." restarts a long body scan at every
 * prefix (recheck: 3rd-degree polynomial). test/redact-redos.test.ts proves the fix.
 */
const L_DASH = String.raw`(?:(?<![A-Za-z0-9_-])|(?<=%[0-9A-Fa-f]{2}|\\[nrt]))`;
function dashToken(body: string, right: string): RegExp {
  return new RegExp(`${L_DASH}(?<secret>${body})${right}`, 'g');
}

/**
 * A value recognisable only by the key it is assigned to: `context` (a regex source,
 * matched case-insensitively anywhere in the key), up to 40 more key characters, a
 * separator, then the value.
 */
function inContext(context: string, value: string, right: string): RegExp {
  return new RegExp(`${context}[A-Za-z0-9_.-]{0,40}${SEP}(?<secret>${value})${right}`, 'gi');
}

const notPlaceholder = (s: string): boolean => !isPlaceholder(s);

// --- AWS (IAM identifiers: docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html) ---

const AWS: Rule[] = [
  {
    id: 'aws-access-key-id',
    description: 'AWS access key ID (AKIA long-term, ASIA temporary, ABIA/ACCA service-specific)',
    class: 'secret',
    keywords: ['akia', 'asia', 'abia', 'acca'],
    pattern: token(String.raw`(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}`),
    // The format is specific; a floor of 3 bits/char over the 20 chars rejected real random ids
    // (AKIA22PAAIYAC322G2AC scores 2.77). AWS's documented example ids are not secrets.
    minEntropy: 2.5,
    validate: (s) => !s.includes('EXAMPLE'),
    positives: [
      'aws_access_key_id = AKIA' + 'Q7XDLKDBVA7DXPM5',
      'Credential=ASIA' + 'WKUXNIS4UKTG74O4/20240101/us-east-1/s3/aws4_request',
      '{"AccessKeyId":"ABIA' + 'STFXECP7M3NRCGSX"}',
      'key ACCA' + '6PYQPFCLUOFKAO6L used',
      'AKIA' + '22PAAIYAC322G2AC',
    ],
    negatives: [
      'AKIA1234567890ABCDEF', // 0, 1, 8, 9 are not base32
      'AKIA' + 'IOSFODNN7EXAMPLE', // AWS's documentation example
      'AKIA' + 'Q7XDLKDBVA7DXPM', // 15 characters
      'XAKIA' + 'Q7XDLKDBVA7DXPM5', // inside a longer word
      'AKIA' + 'Q7XDLKDBVA7DXPM5Z', // 17 characters
      'AKIA' + 'AAAAAAAAAAAAAAAA', // no entropy
      'Asia/Tokyo time zone',
    ],
  },
  {
    // Prose: "retrying with AWS secret <key>", "aws secret key is <key>" (no key = value form).
    id: 'aws-secret-access-key-prose',
    description: 'AWS secret access key written after the words "AWS secret (access) key" in free text',
    class: 'secret',
    keywords: ['aws'],
    pattern:
      /(?<![A-Za-z0-9])aws[ _-]?secret(?:[ _-]?access)?(?:[ _-]?key)?[ \t]{1,3}(?:(?:is|was|=|:)[ \t]{1,3})?["'`]?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    // AWS's documentation example (…EXAMPLEKEY) is the placeholder of every tutorial.
    validate: (v: string) => !v.endsWith('EXAMPLEKEY'),
    minEntropy: 4,
    positives: [
      'retrying with AWS secret ' + 'k4Qz9Vb2Lp7Xr1Tn8Ms3Yc6Hd0Fj5Gw2Ea9Uo4Ri' + ' from env',
      'the aws secret access key is ' + '3xbwQjgYoxYP57tdVcb7Czu01DxNaTiYX3zo9d/t',
    ],
    negatives: [
      'AWS secret rotation scheduled for 2026-12-01 by the platform team',
      'aws secret ' + 'a'.repeat(40),
      'aws secret ' + 'k4Qz9Vb2Lp7Xr1Tn8Ms3Yc6Hd0Fj5Gw2Ea9Uo4Rix', // 41 chars: not a key
    ],
  },
  {
    id: 'aws-secret-access-key',
    description: 'AWS secret access key assigned to an aws...secret key or SecretAccessKey',
    class: 'secret',
    keywords: ['aws', 'accesskey', 'access_key', 'access-key'],
    pattern: inContext(
      String.raw`(?:aws[A-Za-z0-9_.-]{0,20}secret|secret[_-]?access[_-]?key)`,
      String.raw`[A-Za-z0-9/+]{40}`,
      R_B64,
    ),
    // AWS's documentation example (…EXAMPLEKEY) is the placeholder of every tutorial.
    validate: (v: string) => !v.endsWith('EXAMPLEKEY'),
    minEntropy: 4,
    positives: [
      'AWS_SECRET_ACCESS_KEY=' + 'JNrfAYTExnQkYzM0Kptx42CxTrHE1Z5QsByPk7FJ',
      'aws_secret_access_key = ' + '3xbwQjgYoxYP57tdVcb7Czu01DxNaTiYX3zo9d/t',
      '{"SecretAccessKey": "' + 'JNrfAYTExnQkYzM0Kptx42CxTrHE1Z5QsByPk7FJ"}',
      'awsSecretKey: \'' + '3xbwQjgYoxYP57tdVcb7Czu01DxNaTiYX3zo9d/t\'',
      'Secret_AccessKey=' + 'JNrfAYTExnQkYzM0Kptx42CxTrHE1Z5QsByPk7FJ',
    ],
    negatives: [
      'AWS_SECRET_ACCESS_KEY=' + 'JNrfAYTExnQkYzM0Kptx42CxTrHE1Z5QsByPk7F', // 39
      'AWS_SECRET_ACCESS_KEY=' + 'JNrfAYTExnQkYzM0Kptx42CxTrHE1Z5QsByPk7FJx', // 41
      'AWS_SECRET_ACCESS_KEY=' + 'a'.repeat(40),
      'aws_region = us-east-1 secret=none',
      'JNrfAYTExnQkYzM0Kptx42CxTrHE1Z5QsByPk7FJ with no key name',
    ],
  },
  {
    id: 'aws-session-token',
    description: 'AWS STS session token assigned to a session/security token key',
    class: 'secret',
    keywords: ['sessiontoken', 'session_token', 'session-token', 'securitytoken', 'security_token', 'security-token'],
    // No right edge: the value class is open-ended, and a run longer than the cap is
    // still a credential (its first 4096 characters are redacted).
    pattern: inContext(String.raw`(?:session|security)[_-]?token`, String.raw`[A-Za-z0-9/+=%]{100,4096}`, ''),
    minEntropy: 4,
    positives: [
      'AWS_SESSION_TOKEN=' + 'IQoJb3JpZ2luX2VjE' + '9brJu2fxjGm3rkkVZiIyAbuIaPF32WyK7F7YjPAGzOR3R6iETDCvBrJwwRcVLjI98fojlKRGdRSNnMCEXckv2qn3pMaq/ZNNTPA8rfSyGg41QSJg5G45eImsnWUzL5Xe9wDuT55DJwLfuNUTOG3rJn31C0TR4EE9/Mk3Gi2TVBw5fNyPdsdeLqLdV/l8R/2Pf46mUvnFW6Ok',
      '"SessionToken": "' + 'FwoGZXIvYXdzE' + 'Wrr0o8znDicuUVcVs/RTHtywY4O/h1ZrhYaMDAqqvwMfM6rN4crI8P8KxFHa/GHoguENISUoukz1TBzol+mN5EXxwOGkc1sw9brJu2fxjGm3rkkVZiIyAbuIaPF32WyK7F7YjPAGzOR3R6iETDCvB="',
      'X-Amz-Security-Token=' + 'IQoJb3JpZ2luX2VjE' + 'Mk3Gi2TVBw5fNyPdsdeLqLdV%2Fl8R%2F2Pf46mUvnFW6OkWrr0o8znDicuUVcVs%2FRTHtywY4O%2Fh1ZrhYaMDAqqvwMfM6rN4crI8P8KxFHa%2FGHoguENISUoukz1TBzol%2BmN5EXxw&X-Amz-Date=20240101T000000Z',
    ],
    negatives: [
      'AWS_SESSION_TOKEN=' + 'IQoJb3JpZ2luX2VjE' + 'short',
      'AWS_SESSION_TOKEN=' + 'A'.repeat(200),
      'session_token: null',
    ],
  },
  {
    id: 'aws-appsync-api-key',
    description: 'AWS AppSync API key (da2- and 26 lower-case characters), sent as x-api-key',
    class: 'secret',
    keywords: ['da2-'],
    pattern: /(?<![A-Za-z0-9_-])(?<secret>da2-[a-z0-9]{26})(?![A-Za-z0-9_-])/g,
    minEntropy: 3,
    positives: ['x-api-key: ' + 'da2-nmaqhbb63zabjactesiydcfuvu', '{"data":"' + 'da2-k3v7xq2mz9wplr4tbn8ycjf6hd"}'],
    negatives: ['da2-' + 'a'.repeat(26), 'panda2-something-else', 'da2-short'],
  },
  {
    id: 'aws-presigned-url-signature',
    description: 'Signature of an AWS SigV4 presigned URL (X-Amz-Signature query parameter)',
    class: 'secret',
    keywords: ['x-amz-signature'],
    pattern: new RegExp(String.raw`X-Amz-Signature=(?<secret>[0-9a-f]{64})(?![0-9a-z])`, 'gi'),
    positives: [
      'https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=60&X-Amz-Signature=' +
        '37130bf6b8107acff5849a594043eacaddefb5047ef3a70a2fa9590af09f0f76',
      'x-amz-signature=37130bf6b8107acff5849a594043eacaddefb5047ef3a70a2fa9590af09f0f76&foo=1',
    ],
    negatives: [
      'X-Amz-Signature=37130bf6b8107acff5849a594043eacaddefb5047ef3a70a2fa9590af09f0f7', // 63
      'X-Amz-SignedHeaders=host',
    ],
  },
];

// --- Google Cloud (cloud.google.com/docs/authentication/api-keys; OAuth client secrets GOCSPX-) ---

const GCP: Rule[] = [
  {
    id: 'gcp-api-key',
    description: 'Google Cloud / Firebase API key (AIza...)',
    class: 'secret',
    keywords: ['aiza'],
    pattern: token(String.raw`AIza[0-9A-Za-z_-]{35}`, R_URL),
    minEntropy: 3.5,
    positives: [
      'https://maps.googleapis.com/maps/api/geocode/json?key=AIza' + 'gdZyztJbjJj5SMsgQzi99nPIHS7cbobBQeD',
      '"apiKey": "AIza' + 'HDTPz301-AeRy3_azxh93T3bNyz2CHagbZi"',
    ],
    negatives: ['AIza' + 'gdZyztJbjJj5SMsgQzi99nPIHS7cbobBQe', 'AIza' + 'a'.repeat(35), 'xAIza' + 'gdZyztJbjJj5SMsgQzi99nPIHS7cbobBQeD'],
  },
  {
    id: 'gcp-service-account-key-id',
    description: 'private_key_id of a Google service-account JSON key file',
    class: 'secret',
    keywords: ['private_key_id'],
    pattern: inContext('private_key_id', '[a-f0-9]{40}', '(?![0-9a-z])'),
    positives: ['{"type": "service_account", "project_id": "p", "private_key_id": "a3a02c354237166149c9c66727c412f8444cd230"}'],
    negatives: ['"private_key_id": "a3a02c354237166149c9c66727c412f8444cd23"', '"private_key_id": ""'],
  },
  {
    id: 'gcp-oauth-client-secret',
    description: 'Google OAuth 2.0 client secret (GOCSPX-)',
    class: 'secret',
    keywords: ['gocspx-'],
    pattern: token(String.raw`GOCSPX-[A-Za-z0-9_-]{28}`, R_URL),
    positives: ['"client_secret":"GOCSPX-' + 'eVM6S7DgadJgOQ5iXV4C8tX7wmOc"'],
    negatives: ['GOCSPX-' + 'eVM6S7DgadJgOQ5iXV4C8tX7wmO', 'GOCSPX-' + 'eVM6S7DgadJgOQ5iXV4C8tX7wmOcX'],
  },
  {
    id: 'gcp-oauth-refresh-token',
    description: 'Google OAuth 2.0 refresh token (1//0...)',
    class: 'secret',
    keywords: ['1//0'],
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9_/-])(?<secret>1//0[A-Za-z0-9_-]{40,512})${R_URL}`, 'g'),
    minEntropy: 3.5,
    positives: ['refresh_token: 1//039xWRt8YaYa3CgYIARAAGAMSNwF-L9Iru9FyuTrDSa7lkSceggPho83kJt2J29Ga91EhT1C6XV1vmo6bQS9puL_R2t8FIwR3gek'],
    negatives: ['http://1//0', 'a/1//0' + 'abcdefghij'.repeat(5), '1//0' + 'a'.repeat(60)],
  },
  {
    id: 'azure-functions-key',
    description: 'Azure Functions access key in a ?code= query parameter or an x-functions-key header',
    class: 'secret',
    keywords: ['code=', 'x-functions-key'],
    // Function keys are 40+ base64url characters, '==' padded (learn.microsoft.com,
    // "Work with access keys in Azure Functions"); an OAuth ?code= is caught too, and is a
    // credential as well (RFC 6749 section 4.1.2, short-lived).
    pattern: new RegExp(
      String.raw`(?:[?&]code=|x-functions-key\\?["']?[ \t]{0,4}[:=][ \t]{0,4}\\?["']?)(?<secret>[A-Za-z0-9_-]{40,100}(?:==|%3D%3D))(?![A-Za-z0-9_=%-])`,
      'gi',
    ),
    minEntropy: 3.5,
    positives: [
      'GET https://myserver.azurewebsites.net/api/myfunction?code=O97nV6v3n5qw8vvhpsxjv_9xcEKIyCzpcI6rCqX3lgkXAzFunQTFHw==',
      'x-functions-key: O97nV6v3n5qw8vvhpsxjv_9xcEKIyCzpcI6rCqX3lgkXAzFunQTFHw==',
    ],
    negatives: ['?code=200', 'zip code=12345', '?code=' + 'A'.repeat(54) + '=='],
  },
  {
    id: 'gcp-oauth-access-token',
    description: 'Google OAuth 2.0 access token (ya29.)',
    class: 'secret',
    keywords: ['ya29.'],
    pattern: token(String.raw`ya29\.[A-Za-z0-9_-]{30,2048}`, R_URL),
    minEntropy: 3.5,
    positives: [
      'Authorization: Bearer ya29.' +
        'EhLM04gfCrmv9Uerme1OSYxTPmjgL1QeGFAVtaBLZUChSLwtprdB0rJu3WyAxT_No26SrgJ2gJ0fqBwQd0z53gNLyULyXPvTbKsMl7yNeflYo_IAmmlKPHCtg0AeyprqVYW3IH9XrNWx6LaQZuu85K',
    ],
    negatives: ['ya29.short', 'ya29.' + 'a'.repeat(60)],
  },
];

// --- Azure (learn.microsoft.com: storage connection strings, SAS, Service Bus, Entra app secrets) ---

const AZURE: Rule[] = [
  {
    id: 'azure-storage-account-key',
    description: 'Azure Storage / Cosmos DB account key in a connection string (AccountKey=)',
    class: 'secret',
    keywords: ['accountkey'],
    pattern: new RegExp(String.raw`AccountKey[ \t]{0,4}=[ \t]{0,4}(?<secret>[A-Za-z0-9+/]{86}==)${R_B64}`, 'gi'),
    positives: [
      'DefaultEndpointsProtocol=https;AccountName=logsealtest;AccountKey=' +
        'FceNpjh+rabnv2f2jJzSle76mb5jq8VSvpEg27DkWrJ9ifTWeX/HQSd887B6bXPWSVGZE/aHH3U8NG33WsNGUU==;EndpointSuffix=core.windows.net',
      'AccountEndpoint=https://x.documents.azure.com:443/;AccountKey=' +
        'O+3gaEGT44rafbtkx0U8y8gnU0fKxevmqMaU5pGdX/tiFNgdd0IAvv8yLvUTSY8grKWk1uwfV1t03frUk3Ha3J==;',
    ],
    negatives: [
      'AccountKey=' + 'FceNpjh+rabnv2f2jJzSle76mb5jq8VSvpEg27DkWrJ9ifTWeX/HQSd887B6bXPWSVGZE/aHH3U8NG33WsNGU==',
      'AccountKey=<your-key>',
      'AccountName=logsealtest;',
    ],
  },
  {
    id: 'azure-shared-access-key',
    description: 'Azure Service Bus / Event Hubs / IoT Hub shared access key (SharedAccessKey=)',
    class: 'secret',
    keywords: ['sharedaccesskey='],
    pattern: new RegExp(String.raw`SharedAccessKey=(?<secret>[A-Za-z0-9+/]{42,43}=)${R_B64}`, 'gi'),
    positives: [
      'Endpoint=sb://logseal.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=' +
        'GTuylmIvcOTzwA5yYRvH6K8fA/qKkBfJmTmJ9ElNVsa=',
    ],
    negatives: ['SharedAccessKeyName=RootManageSharedAccessKey;', 'SharedAccessKey=<key>'],
  },
  {
    id: 'azure-sas-signature',
    description: 'Signature (sig=) of an Azure shared access signature that carries a service version (sv=)',
    class: 'secret',
    keywords: ['sig='],
    // Any `sig=` query parameter with a long signature: it grants access whatever the service.
    // (Requiring an earlier `sv=` meant a lazy 1 KiB gap rescanned from every `sv=`: recheck flagged it.)
    pattern: /(?<=[?&;])sig=(?<secret>[A-Za-z0-9%+/=]{30,256})(?![A-Za-z0-9%+/=])/g,
    minEntropy: 3.5,
    positives: [
      // without sv= too: a URL signature is a bearer capability whatever service issued it
      'https://example.com/?sig=S9p4Vgiq4Cos3hQMPEI%2FQAvoVuJcO%2BL7vYfJvjbEqEB%3D',
      'https://logseal.blob.core.windows.net/c/b.txt?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&spr=https&sig=' +
        'S9p4Vgiq4Cos3hQMPEI%2FQAvoVuJcO%2BL7vYfJvjbEqEB%3D',
      'BlobEndpoint=https://x.blob.core.windows.net/;SharedAccessSignature=sv=2020-08-04&sr=c&sp=r&sig=' +
        'S9p4Vgiq4Cos3hQMPEI/QAvoVuJcO+L7vYfJvjbEqEB=',
    ],
    negatives: [
      'https://x.blob.core.windows.net/c?sv=2022-11-02&sig=short',
    ],
  },
  {
    id: 'azure-ad-client-secret',
    description: 'Microsoft Entra ID (Azure AD) application client secret (xxx8Q~...)',
    class: 'secret',
    keywords: ['q~'],
    pattern: new RegExp(
      String.raw`(?<![A-Za-z0-9_~.-])(?<secret>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])`,
      'g',
    ),
    minEntropy: 3,
    positives: ['client_secret=' + '_XJ0Q~lfNtIhXV3zCfiz.ZVtKzP-eYoltbg3tY8m', '"secretText": "GLF8Q~' + 'OKEhmHDj-KgpeNSImI5-zFIPdmgEd1w"'],
    negatives: ['_XJ0Q~lfNtIhXV3zCfiz', 'abcQ~' + 'lfNtIhXV3zCfiz.ZVtKzP-eYoltbg3tY8m', 'x_XJ0Q~' + 'lfNtIhXV3zCfiz.ZVtKzP-eYoltbg3tY8mmmmm'],
  },
  {
    id: 'azure-client-secret',
    description: 'Azure service principal secret assigned to AZURE_CLIENT_SECRET / ARM_CLIENT_SECRET',
    class: 'secret',
    keywords: ['client_secret', 'clientsecret', 'client-secret', 'client.secret'],
    pattern: inContext(String.raw`(?:azure|arm)[_.-]?client[_.-]?secret`, String.raw`[A-Za-z0-9_~.-]{32,64}`, String.raw`(?![A-Za-z0-9_~.-])`),
    minEntropy: 3.5,
    positives: ['ARM_CLIENT_SECRET=' + 'jRTMtL.PRgKcRgtTV_RSynsQMlK7r3c_6YHdd~pD', '"azureClientSecret": "' + 'jRTMtL.PRgKcRgtTV_RSynsQMlK7r3c_6YHdd~pD"'],
    negatives: ['AZURE_CLIENT_SECRET=${AZURE_CLIENT_SECRET}', 'AZURE_CLIENT_SECRET=short', 'AZURE_CLIENT_ID=' + 'jRTMtL.PRgKcRgtTV_RSynsQMlK7r3c_6YHdd~pD'],
  },
];

// --- GitHub ("Behind GitHub's new authentication token formats", github.blog 2021-04-05) ---

function githubRule(prefix: string, id: string, what: string, examples: string[]): Rule {
  return {
    id,
    description: `GitHub ${what} (${prefix}, CRC32-checked)`,
    class: 'secret',
    keywords: [prefix],
    pattern: token(`${prefix}[A-Za-z0-9]{36}`),
    validate: githubTokenChecksumValid,
    positives: examples,
    negatives: [
      // Same shape, checksum broken (last character changed).
      `${prefix}8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVoY`,
      `${prefix}${'a'.repeat(36)}`,
      `${prefix}8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVo`,
      `x${prefix}8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVoZ`,
    ],
  };
}

const GITHUB: Rule[] = [
  githubRule('ghp_', 'github-pat-classic', 'personal access token (classic)', [
    'GITHUB_TOKEN=ghp_' + '8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVoZ',
    'https://x-access-token:ghp_' + '4WScG0JsN9g1fq0Al9zM7PpdpkLppz4P0Wp4@github.com/o/r.git',
    'token%3Dghp_' + '8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVoZ',
  ]),
  githubRule('gho_', 'github-oauth-token', 'OAuth access token', ['"access_token":"gho_' + '3CpWf693S5sfEVlXhEGT4nFj4MsQJV3k4y3P"']),
  githubRule('ghu_', 'github-user-to-server-token', 'GitHub App user-to-server token', ['Authorization: token ghu_' + 'v3W7CRCNTKLNRplvxieo7jMqCQELkL3OdIto']),
  githubRule('ghs_', 'github-server-to-server-token', 'GitHub App installation (server-to-server) token', ['GH_TOKEN: ghs_' + 'CSYpJR3QdMZIAk22Q0eKhddzqfKwiW4eGC3R']),
  {
    id: 'github-refresh-token-long',
    description: 'GitHub App user refresh token, 76-character form (ghr_)',
    class: 'secret',
    keywords: ['ghr_'],
    pattern: token(String.raw`ghr_[A-Za-z0-9]{76}`),
    minEntropy: 3.5,
    positives: ['"refresh_token": "ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c3CE1ccbF66C46812d16D5B1A9Dc86A1498"'],
    negatives: ['ghr_' + 'a'.repeat(76), 'ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c3CE1ccbF66C46812d16D5B1A9Dc86A149'],
  },
  githubRule('ghr_', 'github-refresh-token', 'GitHub App refresh token', ['refresh_token=ghr_' + 'RmuPGQ9rC0kecjNBwRGUV0rCcYPGca21eJi6&grant_type=refresh_token']),
  {
    id: 'github-pat-fine-grained',
    description: 'GitHub fine-grained personal access token (github_pat_)',
    class: 'secret',
    keywords: ['github_pat_'],
    pattern: token(String.raw`github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}`),
    minEntropy: 4,
    positives: ['export GH_TOKEN=github_pat_' + '11ENHQBTGN9MIWPLCBB4S9_mcBLAd58x53jgtf7rHlwMizaJkmFYUfmmZoAIRHlQjMi8v4ANEkvwHdZcDs'],
    negatives: [
      'github_pat_' + '11ENHQBTGN9MIWPLCBB4S9_mcBLAd58x53jgtf7rHlwMizaJkmFYUfmmZoAIRHlQjMi8v4ANEkvwHdZcD',
      'github_pat_' + 'a'.repeat(22) + '_' + 'a'.repeat(59),
      'see github_pat_ docs',
    ],
  },
];

// --- GitLab (docs.gitlab.com/security/tokens/#token-prefixes; routable tokens end .<2>.<7-9>) ---

const GL_BODY = String.raw`[A-Za-z0-9_-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{7,9})?`;

function gitlabRule(prefix: string, id: string, what: string, examples: string[]): Rule {
  return {
    id,
    description: `GitLab ${what} (${prefix})`,
    class: 'secret',
    keywords: [prefix.toLowerCase()],
    pattern: dashToken(`${prefix}${GL_BODY}`, R_URL),
    minEntropy: 3,
    positives: examples,
    negatives: [`${prefix}short`, `${prefix}${'a'.repeat(20)}`, `x${prefix}${'iBtbfbZ55zZC05BQLCgU'}`],
  };
}

const GITLAB: Rule[] = [
  gitlabRule('glpat-', 'gitlab-pat', 'personal, project or group access token', [
    'PRIVATE-TOKEN: glpat-' + 'iBtbfbZ55zZC05BQLCgU',
    'GITLAB_TOKEN="glpat-' + 'ld_9uYlRjuX9GKzff8ddP8PhMdXTfkuAH1xucT.01.yj8vxv0jk"',
  ]),
  gitlabRule('gldt-', 'gitlab-deploy-token', 'deploy token', ['https://gitlab+deploy-token-1:gldt-' + 'zCkszifyzN6SEdb1GOJs@gitlab.com/g/p.git']),
  gitlabRule('glrt-', 'gitlab-runner-token', 'runner authentication token', [
    'token = "glrt-' + 'n0nKbmD457xTU6_il2XQ"',
    'token = "glrt-' + 't1_gcBGe5qXLHjb_Vv05F_GZWLKBMI.01.pn09vlnmr"',
  ]),
  gitlabRule('glptt-', 'gitlab-pipeline-trigger-token', 'pipeline trigger token', ['curl -F token=glptt-' + 'bf55d9962b8f141150b9b6acac5c42df40d3b6be -F ref=main']),
  gitlabRule('glft-', 'gitlab-feed-token', 'feed token', ['https://gitlab.com/dashboard/projects.atom?feed_token=glft-' + '197DUtrx1i2PUAchI24-']),
  gitlabRule('glimt-', 'gitlab-incoming-mail-token', 'incoming email token', ['reply+glimt-' + 'vhzjgmkx1uyq22c2oyp6sz2kd@incoming.gitlab.com']),
  gitlabRule('glagent-', 'gitlab-agent-token', 'agent for Kubernetes token', ['--set config.token=glagent-' + '62BEyYLoMN_4baVLeyS1DYYLuZdmuqgTbzECPE6lLbaQlrSrYB']),
  gitlabRule('gloas-', 'gitlab-oauth-app-secret', 'OAuth application secret', ['"secret": "gloas-' + 'f218320b0d53778081f96f38a9f29a1d6784928ad4b63d3e32fff7bb93ec5972"']),
  gitlabRule('GR1348941', 'gitlab-runner-registration-token', 'runner registration token (legacy)', ['gitlab-runner register --registration-token GR1348941' + 'ns8Ku3Hn_Nq92l1e8xgC']),
  gitlabRule('glcbt-', 'gitlab-ci-job-token', 'CI/CD job token', ['CI_JOB_TOKEN=glcbt-' + '64_HHKP09J3lzJFJVNkMXRf']),
  gitlabRule('glsoat-', 'gitlab-scim-token', 'SCIM OAuth token', ['Authorization: Bearer glsoat-' + 'tibrZLIFaGQ9YS0K4bHi']),
  gitlabRule('glffct-', 'gitlab-feature-flag-client-token', 'feature flags client token', ['instanceId: glffct-' + 'ttZUl-CgzAHtpnKLrQHG']),
  {
    id: 'gitlab-session-cookie',
    description: 'GitLab web session cookie (_gitlab_session)',
    class: 'secret',
    keywords: ['_gitlab_session='],
    pattern: /_gitlab_session=(?<secret>[0-9a-f]{32})(?![0-9a-z])/g,
    positives: ['Cookie: _gitlab_session=8f00a442d9270869713fa3d632db7c78; known_sign_in=x'],
    negatives: ['_gitlab_session=8f00a442d9270869713fa3d632db7c7', '_gitlab_session=deleted'],
  },
];

// --- Atlassian / Bitbucket (support.atlassian.com: app passwords, access tokens, API tokens) ---

const ATLASSIAN: Rule[] = [
  {
    id: 'bitbucket-app-password',
    description: 'Bitbucket Cloud app password (ATBB)',
    class: 'secret',
    keywords: ['atbb'],
    pattern: token(String.raw`ATBB[A-Za-z0-9]{32}`),
    minEntropy: 3.5,
    positives: ['git clone https://me:ATBB' + 'bCC4HEIY9rKRM2Ykn5hLXb2KEFCB61B2@bitbucket.org/w/r.git'],
    negatives: ['ATBB' + 'bCC4HEIY9rKRM2Ykn5hLXb2KEFCB61B', 'ATBB' + 'A'.repeat(32), 'xATBB' + 'bCC4HEIY9rKRM2Ykn5hLXb2KEFCB61B2'],
  },
  {
    id: 'bitbucket-access-token',
    description: 'Bitbucket repository, project or workspace access token (ATCTT3)',
    class: 'secret',
    keywords: ['atctt3'],
    pattern: dashToken(String.raw`ATCTT3[A-Za-z0-9_-]{100,300}=[A-F0-9]{8}`, R_URL),
    minEntropy: 4,
    positives: [
      'Authorization: Bearer ATCTT3' +
        'xFfGN0HAzOXem6HETM7ikYFaAGYApHhd__sziuM7B4VzlbJysrKdhYomTl_bf2LILwefIv6QM6typDSpyGgfI6Xt2AnaCXswlfj7mav7AcK7Z_r8VO6JclDYORxCmpQ7qwdxcBKGhThbiDB4EJvXKRIBbyZM_gv49V6_WzFTNs0RyNqV=9C233FFB',
    ],
    negatives: ['ATCTT3' + 'xFfGN0HAzOXem6HETM7ikYFaAGYApHhd=9C233FFB', 'ATCTT3' + 'xFfGN0' + 'A'.repeat(150)],
  },
  {
    id: 'atlassian-api-token',
    description: 'Atlassian Cloud API token (ATATT3)',
    class: 'secret',
    keywords: ['atatt3'],
    pattern: dashToken(String.raw`ATATT3[A-Za-z0-9_-]{100,300}=[A-F0-9]{8}`, R_URL),
    minEntropy: 4,
    positives: [
      'JIRA_API_TOKEN=ATATT3' +
        'xFfGF02VXmFGI-UOEhMziMfG0JrduIHuEje_nT_63FI8_IoLxKUcLXiTbNRfDyeeIQNSKFbRzXZV_jGFeiSC7Pxgr_ogzsKrHiZrRLHJVNx30YRgQC9fi5DKTh0lAbEURNHajigR8akRf8Q4_oA1EFV8uAjC54lzZa3Fe3lg0jzKOSj4=2FFB8DAA',
    ],
    negatives: ['ATATT3' + 'xFfGF0short=2FFB8DAA', 'ATATT3 tokens are documented'],
  },
];

// --- Package registries ---

const REGISTRIES: Rule[] = [
  {
    id: 'npm-access-token',
    description: 'npm access token (npm_, CRC32-checked like GitHub tokens)',
    class: 'secret',
    keywords: ['npm_'],
    pattern: token(String.raw`npm_[A-Za-z0-9]{36}`),
    validate: npmTokenChecksumValid,
    positives: ['//registry.npmjs.org/:_authToken=npm_' + 'OdFH80oNmeiLrHK6z9Nmiuq0bWvFo7494czc', 'NPM_TOKEN: npm_' + 'tPytesZVYFVD0HePtjlIGg9cZBxv4x0zxonF'],
    negatives: ['npm_' + 'OdFH80oNmeiLrHK6z9Nmiuq0bWvFo7494czd', 'npm_' + 'a'.repeat(36), 'npm_config_registry=https://r'],
  },
  {
    id: 'npm-legacy-auth-token',
    description: 'npm registry credential in an .npmrc _authToken / _auth / _password line',
    class: 'secret',
    keywords: ['_authtoken', '_auth', '_password'],
    pattern: /:_(?:authToken|auth|password)[ \t]{0,4}=[ \t]{0,4}["']?(?<secret>[A-Za-z0-9_.~+/=-]{8,512})(?![A-Za-z0-9_.~+/=-])/gi,
    validate: notPlaceholder,
    minEntropy: 3,
    positives: [
      '//registry.npmjs.org/:_authToken=' + 'f0554a91-df02-49f5-a9b2-4fe1a955b443',
      '//npm.pkg.github.com/:_auth=' + 'c3ZjLXVzZXI6YTJCdTJvUFlnTVJXQ3Jrdg==',
    ],
    negatives: ['//registry.npmjs.org/:_authToken=${NPM_TOKEN}', '//registry.npmjs.org/:_authToken='],
  },
  {
    id: 'pypi-upload-token',
    description: 'PyPI / TestPyPI API token (a macaroon; pypi-AgEIcHlwaS5vcmc...)',
    class: 'secret',
    keywords: ['pypi-age'],
    pattern: token(String.raw`pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}|pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_-]{50,1000}`, R_URL),
    minEntropy: 4,
    positives: [
      'TWINE_PASSWORD=pypi-' +
        'AgEIcHlwaS5vcmcKfn9-HvQolMAZTYqzFFS-SE1M1fLNUhYbecqeJ4eThdFEYGKEsNWDoOt-MwwxhuQHenbrHRQCY1f4dy4lyc-Bf_imVAwL14d5dVJ9XGqOvx-fPVR7od8OVqrUmRiCJLbrXnL7-4sH1CU2sDUQXcBtyEhUtgJTufl',
      'password = pypi-' +
        'AgENdGVzdC5weXBpLm9yZwU9h7MFKL6rJqSnlZBRFl7IY_sNsL7he-BY1zvEa7fKHo3CsCjUKCHTzGBvdjfaMTaVp02avM8AJzrh8N81j3ROruxzdWBIo8jLVH-IKqGSkzUSrwGPQKnpb9BYXXM4oNGtDmR83D-0fXshP9GDT5Nop-jn9I1DmU',
    ],
    negatives: ['pypi-AgEIcHlwaS5vcmc' + 'short', 'pypi-AgEIcHlwaS5vcmc' + 'A'.repeat(80)],
  },
  {
    id: 'rubygems-api-key',
    description: 'RubyGems.org API key (rubygems_)',
    class: 'secret',
    keywords: ['rubygems_'],
    pattern: token(String.raw`rubygems_[a-f0-9]{48}`),
    positives: ['GEM_HOST_API_KEY=rubygems_' + '3a811809f3071856c30b7b3f91f593e96719491fd9866959'],
    negatives: ['rubygems_' + '3a811809f3071856c30b7b3f91f593e96719491fd986695', 'rubygems_org_url'],
  },
  {
    id: 'nuget-api-key',
    description: 'NuGet.org API key (oy2 + 43)',
    class: 'secret',
    keywords: ['oy2'],
    pattern: token(String.raw`oy2[a-z0-9]{43}`),
    minEntropy: 3.5,
    positives: ['dotnet nuget push p.nupkg --api-key oy2' + 'zrwsgjd4mnutasyubdg91nymn166d7jkvysueszxpvf'],
    negatives: ['oy2' + 'zrwsgjd4mnutasyubdg91nymn166d7jkvysueszxpv', 'oy2' + 'a'.repeat(43), 'toy2' + 'zrwsgjd4mnutasyubdg91nymn166d7jkvysueszxpvf'],
  },
  {
    id: 'docker-hub-token',
    description: 'Docker Hub personal or organization access token (dckr_pat_, dckr_oat_)',
    class: 'secret',
    keywords: ['dckr_pat_', 'dckr_oat_'],
    pattern: token(String.raw`dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,64}`, R_URL),
    minEntropy: 3.5,
    positives: ['docker login -u me -p dckr_pat_' + 'UJht3R2-kXWx2V2pcG6GcxOOnre', 'DOCKERHUB_TOKEN=dckr_oat_' + 'YhghaOP7lfYuthwQY30Qua-845l2WvUW'],
    negatives: ['dckr_pat_' + 'short', 'dckr_pat_' + 'a'.repeat(27)],
  },
];

// --- Platforms: Heroku, DigitalOcean, Cloudflare, Vercel, Netlify, Fly.io, Supabase, Firebase ---

const PLATFORMS: Rule[] = [
  {
    id: 'heroku-api-key',
    description: 'Heroku API key / OAuth token (HRKU-AA)',
    class: 'secret',
    keywords: ['hrku-'],
    pattern: token(String.raw`HRKU-AA[A-Za-z0-9_-]{58}`, R_URL),
    minEntropy: 3.5,
    positives: ['HEROKU_API_KEY=HRKU-' + 'AAkIqSfW2Wmm7Z4Y5CY5cYVioXaEoa4nVxutHlpMcMFggV5D_8TGfaj-g_Ox'],
    negatives: ['HRKU-' + 'AAshort', 'HRKU-' + 'AA' + 'a'.repeat(58)],
  },
  {
    id: 'heroku-api-key-legacy',
    description: 'Heroku legacy API key (a UUID) assigned to a heroku... key',
    class: 'secret',
    keywords: ['heroku'],
    pattern: inContext('heroku', UUID, '(?![0-9a-z-])'),
    positives: ['HEROKU_API_KEY=f0554a91-df02-49f5-a9b2-4fe1a955b443', '{"herokuToken": "f0554a91-df02-49f5-a9b2-4fe1a955b443"}'],
    negatives: ['heroku_app_id: 42', 'request_id=f0554a91-df02-49f5-a9b2-4fe1a955b443 (no heroku key)'],
  },
  ...(['dop', 'doo', 'dor'] as const).map(
    (p): Rule => ({
      id: { dop: 'digitalocean-pat', doo: 'digitalocean-oauth-token', dor: 'digitalocean-refresh-token' }[p],
      description: `DigitalOcean ${{ dop: 'personal access token', doo: 'OAuth access token', dor: 'OAuth refresh token' }[p]} (${p}_v1_)`,
      class: 'secret',
      keywords: [`${p}_v1_`],
      pattern: token(`${p}_v1_[a-f0-9]{64}`),
      minEntropy: 3,
      positives: [
        `DIGITALOCEAN_TOKEN=${p}_v1_` + '820536529d9bef8fde4cc492c8569433c6051708ede36a35bc37c87ac8895aaf',
        `"token": "${p}_v1_` + '19eb3c3551836ca34b5ad86d2ed6e141f2ab7b0024e862f4128a5d2561151bb6"',
      ],
      negatives: [`${p}_v1_` + '820536529d9bef8fde4cc492c8569433c6051708ede36a35bc37c87ac8895aa', `${p}_v1_` + '0'.repeat(64)],
    }),
  ),
  {
    id: 'cloudflare-api-token',
    description: 'Cloudflare API token (40 chars) assigned to a cloudflare / CF_API_TOKEN key',
    class: 'secret',
    keywords: ['cloudflare', 'cf_api_token'],
    pattern: inContext(String.raw`(?:cloudflare|cf_api_token)`, String.raw`[A-Za-z0-9_-]{40}`, R_URL),
    minEntropy: 3.5,
    positives: ['CLOUDFLARE_API_TOKEN=m1VITrSV_OtefQ6elbnmxFdWYsskotAcBZnCyIJY', 'CF_API_TOKEN: "m1VITrSV_OtefQ6elbnmxFdWYsskotAcBZnCyIJY"'],
    negatives: ['CLOUDFLARE_ZONE=example.com', 'CLOUDFLARE_API_TOKEN=' + 'a'.repeat(40)],
  },
  {
    id: 'cloudflare-global-api-key',
    description: 'Cloudflare global API key (37 hex) assigned to a cloudflare key or X-Auth-Key',
    class: 'secret',
    keywords: ['cloudflare', 'cf_api_key', 'x-auth-key'],
    pattern: inContext(String.raw`(?:cloudflare|cf_api_key|x-auth-key)`, '[a-f0-9]{37}', '(?![0-9a-z])'),
    minEntropy: 3,
    positives: ['X-Auth-Key: 8ca4c883286f28811f079391e1446e3aa9c9f', 'CLOUDFLARE_API_KEY=8ca4c883286f28811f079391e1446e3aa9c9f'],
    negatives: ['X-Auth-Key: 8ca4c883286f28811f079391e1446e3aa9c9', 'CLOUDFLARE_EMAIL=ops@example.com'],
  },
  {
    id: 'cloudflare-origin-ca-key',
    description: 'Cloudflare Origin CA key (v1.0-)',
    class: 'secret',
    keywords: ['v1.0-'],
    pattern: token(String.raw`v1\.0-[a-f0-9]{24}-[a-f0-9]{146}`),
    positives: [
      'X-Auth-User-Service-Key: v1.0-' +
        '94d81f57a31c68a7a84a6320-8bb0e4602d19f40bc80c1be9069cf186895b14312af42cba80b4383beeda4a70e7f36256aec7f7974d7505c67a8d9ac10b51672a9897e1e9b78c75ea1259cddf703a88348d8b4bbc1f',
    ],
    negatives: ['version v1.0-beta', 'v1.0-' + '94d81f57a31c68a7a84a6320-8bb0e460'],
  },
  {
    id: 'vercel-token',
    description: 'Vercel access token or API key (vcp_, vci_, vca_, vcr_, vck_)',
    class: 'secret',
    keywords: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'],
    pattern: token(String.raw`vc[pciark]_[A-Za-z0-9_-]{24,128}`, R_URL),
    minEntropy: 3.5,
    positives: ['VERCEL_TOKEN=vcp_' + 'K8eGwrh91eHvLJYJq7AnoxZQiZKlAVLB405mS12X9xDwPK3WkQoFI87g', 'Bearer vca_' + 'QijORj7nwK3nWWyM9NoPfr2qWi7eH0oLTWAW9uco608fDracL5clMSkp'],
    negatives: ['vcp_short', 'vcp_' + 'a'.repeat(40), 'svcp_' + 'K8eGwrh91eHvLJYJq7AnoxZQiZKlAVLB405mS12X9xDwPK3WkQoFI87g'],
  },
  {
    id: 'vercel-token-legacy',
    description: 'Vercel legacy access token (24 alphanumerics) assigned to a vercel... key',
    class: 'secret',
    keywords: ['vercel'],
    pattern: inContext('vercel', '[A-Za-z0-9]{24}', R_ALNUM),
    minEntropy: 3.5,
    positives: ['VERCEL_TOKEN=bPca9Z0dursh4WwKzo7swf1c', '"vercelToken": "bPca9Z0dursh4WwKzo7swf1c"'],
    negatives: ['VERCEL_URL=my-app.vercel.app', 'VERCEL_ORG_ID=team_' + 'bPca9Z0dursh4WwKzo7swf1c' + 'x'],
  },
  {
    id: 'netlify-token',
    description: 'Netlify access token (nfp_, nfc_, nfo_, nfu_, nfb_)',
    class: 'secret',
    keywords: ['nfp_', 'nfc_', 'nfo_', 'nfu_', 'nfb_'],
    pattern: token(String.raw`nf[pcoub]_[A-Za-z0-9_-]{32,40}`, R_URL),
    minEntropy: 3.5,
    positives: ['NETLIFY_AUTH_TOKEN=nfp_' + 'ObWFT1Qj0V72chtGuNMCe1Mrpor8Bh7Le6Co', 'netlify deploy --auth nfc_' + 'M2BNUPI22Pn7538linKi1YQm44QG65KZvvQc'],
    negatives: ['nfp_short', 'nfp_' + 'a'.repeat(36)],
  },
  {
    id: 'netlify-token-legacy',
    description: 'Netlify legacy access token (40-46 chars) assigned to a netlify... key',
    class: 'secret',
    keywords: ['netlify'],
    pattern: inContext('netlify', String.raw`[A-Za-z0-9_-]{40,46}`, R_URL),
    minEntropy: 3.5,
    positives: ['NETLIFY_AUTH_TOKEN=TnH0x6U_rW_dx64KnaY4Is2QyVK3GT-ZbFfTcyKnkhu'],
    negatives: ['NETLIFY_SITE_ID=f0554a91-df02-49f5-a9b2-4fe1a955b443', 'NETLIFY_AUTH_TOKEN=' + 'x'.repeat(43)],
  },
  {
    id: 'flyio-access-token',
    description: 'Fly.io access token (fo1_)',
    class: 'secret',
    keywords: ['fo1_'],
    pattern: token(String.raw`fo1_[A-Za-z0-9_-]{43}`, R_URL),
    minEntropy: 3.5,
    positives: ['FLY_API_TOKEN=fo1_' + 'RSBENAB0K81R08aOcK2BgE0tZNLmCvoFmhusODP6FmB'],
    negatives: ['fo1_' + 'RSBENAB0K81R08aOcK2BgE0tZNLmCvoFmhusODP6Fm', 'fo1_' + 'a'.repeat(43)],
  },
  {
    id: 'flyio-macaroon-token',
    description: 'Fly.io macaroon token (FlyV1 fm1a_/fm1r_/fm2_ ...)',
    class: 'secret',
    keywords: ['fm1a_', 'fm1r_', 'fm2_'],
    pattern: token(String.raw`fm(?:1[ar]|2)_[A-Za-z0-9+/]{100,8192}={0,3}`, R_B64),
    minEntropy: 4,
    positives: [
      'FLY_API_TOKEN="FlyV1 fm2_' +
        '5AWKp2HNpXVxnaiPNxLg44iv0/Mdq9Jn+7NOhVWOSYrtfZMoQ8e0n1DjwtytvJHatt2jiAuPjjxhvrGZlwatGPV55pZq2xkKA8OwHZebBX9yalOKfQPFi8cKSg5lRg+ZlJ5seBc7cPWKnKHNXJjceOTALgIpkT5NnqGY9JcSmx6tFEA/T5x7,fm2_' +
        'FxbaWIY1IwqrhlvLOrudCUe+my/1r/H58+pPvtJGQuvT20VZ52lre+zcjZ1n+mmTEC++eqNsiZcwtSXXRAS14u/N1Ls+aOFJPxYQ29i120HikO1/ZyJEgemX"',
    ],
    negatives: ['fm2_short', 'fm2_' + 'A'.repeat(120)],
  },
  {
    id: 'supabase-access-token',
    description: 'Supabase management API personal access token (sbp_)',
    class: 'secret',
    keywords: ['sbp_'],
    pattern: token(String.raw`sbp_[a-f0-9]{40}`),
    minEntropy: 3,
    positives: ['SUPABASE_ACCESS_TOKEN=sbp_' + 'f7262362011648e2f2a5445bb10c25f18c27bcdc'],
    negatives: ['sbp_' + 'f7262362011648e2f2a5445bb10c25f18c27bcd', 'sbp_' + '0'.repeat(40)],
  },
  {
    id: 'supabase-secret-key',
    description: 'Supabase secret API key (sb_secret_)',
    class: 'secret',
    keywords: ['sb_secret_'],
    pattern: token(String.raw`sb_secret_[A-Za-z0-9_-]{24,64}`, R_URL),
    minEntropy: 3.5,
    positives: ['SUPABASE_SECRET_KEY=sb_secret_' + 'uuQxNOjSBd0gzJrNHGN-vSbptm0iCw5'],
    negatives: ['sb_secret_short', 'sb_publishable_' + 'uuQxNOjSBd0gzJrNHGN-vSbptm0iCw5'],
  },
  {
    id: 'firebase-fcm-server-key',
    description: 'Firebase Cloud Messaging legacy server key (AAAA...:APA91b...)',
    class: 'secret',
    keywords: ['apa91b'],
    pattern: token(String.raw`AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{100,200}`, R_URL),
    minEntropy: 4,
    positives: [
      'Authorization: key=AAAA' +
        'YKE-Yy4:APA91bVH0Bldp2WtR_VB6LREuIAD5mkzTZSZYvJd0DMs2EguG8IZaMpi_LrO975ncy0Bz6G7YIoU6AWBdN6FuwXIyh92fYqBKHDNYNLsk_zj1dvlWlCuxuD5ig1NzZTp8Y9bH4FgHvSG',
    ],
    negatives: ['AAAA' + 'YKE-Yy4:APA91bshort', 'registration id APA91b' + 'VH0Bldp2WtR_VB6LREuIAD5mkzTZSZYvJd0DMs2EguG8IZaMpi_Lr'],
  },
];

// --- Secret managers and key material: Vault, Terraform Cloud, Doppler, 1Password, age ---

const SECRET_MANAGERS: Rule[] = [
  {
    id: 'vault-service-token',
    description: 'HashiCorp Vault service token (hvs.)',
    class: 'secret',
    keywords: ['hvs.'],
    pattern: token(String.raw`hvs\.[A-Za-z0-9_-]{24,300}`, R_URL),
    minEntropy: 3.5,
    positives: ['X-Vault-Token: hvs.' + 'YvN2IHlIGaVRTAyKmsgJG-T5wnUPgvPRntWFLy9hyNBZNX_VvZe2nBdakgk4a-e4pTDUKENwkI8W_a8lkpiAO4UEjuahQpI'],
    negatives: ['hvs.short', 'hvs.' + 'a'.repeat(90)],
  },
  {
    id: 'vault-batch-token',
    description: 'HashiCorp Vault batch token (hvb.)',
    class: 'secret',
    keywords: ['hvb.'],
    pattern: token(String.raw`hvb\.[A-Za-z0-9_-]{100,400}`, R_URL),
    minEntropy: 3.5,
    positives: [
      'VAULT_TOKEN=hvb.' +
        'S5wOG8-FBbxa72dFEE3YsdBwQoEjr6X_sJnzFjgnFrU5YnJ1Lyf-t6W7I1uoZCk7BC460mKRipw67UUaKwg-oV0JgY9ZLy8Bfv6wwExhvQFA2-SgZ6WvYoqyANC11E-l4hkBPIWD9QgZ09XfJn0yNZ',
    ],
    negatives: ['hvb.short', 'hvb.' + 'a'.repeat(150)],
  },
  {
    id: 'vault-recovery-token',
    description: 'HashiCorp Vault recovery token (hvr.)',
    class: 'secret',
    keywords: ['hvr.'],
    pattern: token(String.raw`hvr\.[A-Za-z0-9_-]{24,300}`, R_URL),
    minEntropy: 3.5,
    positives: ['token hvr.' + 'lr4E_Z_hg5Ek-xEsiI6jSi2YjJfGsfbmg3rHBqnYZI3eJyeKir69irTr2lCIjCTGgOv6fQcJoi1z6gHiP0j_wmMp-e-3kEi'],
    negatives: ['hvr.short', 'hvr.' + 'b'.repeat(40)],
  },
  {
    id: 'vault-token-legacy',
    description: 'HashiCorp Vault legacy token (s. + 24) assigned to a VAULT_TOKEN / X-Vault-Token key',
    class: 'secret',
    keywords: ['vault_token', 'vault-token', 'vaulttoken'],
    pattern: inContext(String.raw`vault[_-]?token`, String.raw`s\.[A-Za-z0-9]{24}`, R_ALNUM),
    minEntropy: 3.5,
    positives: ['VAULT_TOKEN=s.' + 'sn3gOidzLEPndQ05xHVGmkuc', 'X-Vault-Token: s.' + 'sn3gOidzLEPndQ05xHVGmkuc'],
    negatives: ['VAULT_TOKEN=s.short', 'VAULT_ADDR=https://vault:8200 s.' + 'sn3gOidzLEPndQ05xHVGmkuc'],
  },
  {
    id: 'terraform-cloud-token',
    description: 'Terraform Cloud / Enterprise API token (xxxxxxxxxxxxxx.atlasv1.xxx)',
    class: 'secret',
    keywords: ['atlasv1'],
    pattern: token(String.raw`[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}`, String.raw`(?![A-Za-z0-9_=-])`),
    minEntropy: 3.5,
    positives: ['credentials "app.terraform.io" { token = "' + 'Bz1jcthvKWwFcD.atlasv1.p-pBGOaGi6vD2Of4lZ5WREhTDAZosXQuwnjn52TVw4lEOovwdzC0oczu1glGZm5Ke5O" }'],
    negatives: ['Bz1jcthvKWwFcD.atlasv1.short', 'Bz1jcthvKWwFc.atlasv1.' + 'p-pBGOaGi6vD2Of4lZ5WREhTDAZosXQuwnjn52TVw4lEOovwdzC0oczu1glGZm5Ke5O'],
  },
  {
    id: 'doppler-token',
    description: 'Doppler personal, CLI, service account, SCIM or audit token (dp.pt., dp.ct., dp.sa., dp.scim., dp.audit.)',
    class: 'secret',
    keywords: ['dp.pt.', 'dp.ct.', 'dp.sa.', 'dp.scim.', 'dp.audit.'],
    pattern: token(String.raw`dp\.(?:pt|ct|sa|scim|audit)\.[A-Za-z0-9]{40,44}`),
    minEntropy: 3.5,
    positives: [
      'DOPPLER_TOKEN=dp.pt.' + 'LtlA0XX8KPKVnFNJgjerwxj1uypVTSEHHKHszHoFqdU',
      'dp.ct.' + '5nrpThTrpH5Syn3FbgqYQ8mDRWjeAZDnokFaK2Vmkv6',
      'dp.sa.' + '9HOq7EREREWAiJqdZNsuHWfUVjmzYxQeKDX30w3GmHr',
      'Bearer dp.scim.' + 'sqCKT9InoEpKThcE1IEAdaIUwEUQJqMWHxxpfD4EgqY',
      'dp.audit.' + 'v8CyhZzgmXbYNpMjXf7Sof4mfLRsbsVfQkxeCpIM1G9',
    ],
    negatives: ['dp.pt.short', 'dp.xx.' + 'LtlA0XX8KPKVnFNJgjerwxj1uypVTSEHHKHszHoFqdU'],
  },
  {
    id: 'doppler-service-token',
    description: 'Doppler service token (dp.st., optionally with the config slug)',
    class: 'secret',
    keywords: ['dp.st.'],
    pattern: token(String.raw`dp\.st\.(?:[a-z0-9_-]{2,35}\.)?[A-Za-z0-9]{40,44}`),
    minEntropy: 3.5,
    positives: ['DOPPLER_TOKEN="dp.st.' + 'prd.hmtVazf8Ton88lVXawvB3BcTLD9CFcHCOoR6SRuTSYC"', 'dp.st.' + 'uxJNTANaKkMe35r3LPP0hAKJ8tlFP99PcGaFzjY28yw'],
    negatives: ['dp.st.prd.short', 'dp.st.' + 'a'.repeat(43)],
  },
  {
    id: '1password-service-account-token',
    description: '1Password service account token (ops_eyJ...)',
    class: 'secret',
    keywords: ['ops_eyj'],
    pattern: token(String.raw`ops_eyJ[A-Za-z0-9+/]{250,4096}={0,3}`, R_B64),
    minEntropy: 4,
    positives: [
      'OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ' +
        'V8Fv0JtJlW4+31CpUAkdPf/fOFBl4nePY0manu3iGemA6VqIT2ahDamwdoWtuk1ix2jnF6wGwTgxZ8fQrhLaoJR+XNokSW2o0XTnKqzo2ZAXEudxWypu2LNBPRaqVSs7mD7pUHORbo1Z9pskIKEHS7zTVSyzqwwNBvOpfSA4aKKgJ/8Q6uokHnJEp+O0fQ32D4r9HWEHD+RgASzvMkJZXPKhGpLK501h/Gzuolgex9w8hJXjQZvxDXNNHHFdV9lp/WktcEjrXZ5ZO/RK3o5AiBP6rN1zu5PEJn/jUQ39tpYBxa2UMKaGsB9niM1m+q5DMG7gYCldOinDRJ/9J9Rklkciqy3hQQWAdE3BeAKot+df49IhBgrfJEtNV3kJ2nDSV/AnLJIly5d+4ZeO',
    ],
    negatives: ['ops_eyJshort', 'ops_eyJ' + 'A'.repeat(300)],
  },
  {
    id: '1password-secret-key',
    description: '1Password account Secret Key (A3-XXXXXX-...)',
    class: 'secret',
    keywords: ['a3-'],
    pattern: token(
      String.raw`A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}`,
      String.raw`(?![A-Za-z0-9_-])`,
    ),
    minEntropy: 3.5,
    positives: ['Secret Key: A3-' + 'BKVM1G-B987OCFY5WU-NR360-44ARV-739W8', 'A3-' + 'XTJKNY-U7V7QC-9NS8A-RZLW8-M5J6K-SRLY3'],
    negatives: ['A3-BKVM1G-B987OCFY5WU-NR360-44ARV', 'paper size A3-landscape', 'A3-AAAAAA-AAAAAAAAAAA-AAAAA-AAAAA-AAAAA'],
  },
  {
    id: 'age-secret-key',
    description: 'age encryption secret key (AGE-SECRET-KEY-1, Bech32)',
    class: 'secret',
    keywords: ['age-secret-key-1'],
    pattern: token(String.raw`AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}`),
    positives: ['# created: 2024-01-01\nAGE-SECRET-KEY-1' + 'DX7D95PYUZLYNHQNGZDY7TNKG3NADFJ7EVY0WHL7JMNKVRCKDPEFU36TM4'],
    negatives: ['AGE-SECRET-KEY-1' + 'DX7D95PYUZLYNHQNGZDY7TNKG3NADFJ7EVY0WHL7JMNKVRCKDPEFU36TM', 'AGE-SECRET-KEY-1' + 'B'.repeat(58)],
  },
];

// --- Identity and collaboration services: Okta, Auth0, Linear, Notion, Airtable, Dropbox, Postman ---

const SERVICES: Rule[] = [
  {
    id: 'okta-api-token',
    description: 'Okta API token (00 + 40) assigned to an okta... key or sent as SSWS',
    class: 'secret',
    keywords: ['okta', 'ssws'],
    // Guarded on the left: an unguarded `okta[...]{0,40}` restarts at every "okta" inside a key (recheck).
    pattern: new RegExp(String.raw`(?:(?<![A-Za-z0-9_.-])okta[A-Za-z0-9_.-]{0,40}${SEP}|(?<![A-Za-z0-9_])SSWS[ \t]{1,4})(?<secret>00[A-Za-z0-9_-]{40})${R_URL}`, 'gi'),
    minEntropy: 3.5,
    positives: ['OKTA_API_TOKEN=00' + 'hdtxhmdSLYGQJiywwqGPX213VzKUsIGG5bi6F5oK', 'Authorization: SSWS 00' + 'hdtxhmdSLYGQJiywwqGPX213VzKUsIGG5bi6F5oK'],
    negatives: ['OKTA_ORG_URL=https://dev-1.okta.com', 'OKTA_API_TOKEN=00' + 'a'.repeat(40), '00' + 'hdtxhmdSLYGQJiywwqGPX213VzKUsIGG5bi6F5oK'],
  },
  {
    id: 'auth0-client-secret',
    description: 'Auth0 client secret (64 chars) assigned to an auth0... key',
    class: 'secret',
    keywords: ['auth0'],
    pattern: inContext('auth0', String.raw`[A-Za-z0-9_-]{64}`, R_URL),
    minEntropy: 4,
    positives: ['AUTH0_CLIENT_SECRET=' + '7msotaYADYJ5z-Fai8qPDmm-OlYfA3k2flGrzhdHemQVp87JLhx1mTnMTSKrSl8G'],
    negatives: ['AUTH0_DOMAIN=tenant.eu.auth0.com', 'AUTH0_CLIENT_SECRET=' + 'a'.repeat(64)],
  },
  {
    id: 'linear-api-key',
    description: 'Linear personal API key (lin_api_)',
    class: 'secret',
    keywords: ['lin_api_'],
    pattern: token(String.raw`lin_api_[A-Za-z0-9]{40}`),
    minEntropy: 3.5,
    positives: ['LINEAR_API_KEY=lin_api_' + '0MiGASGBsphiBtNQziY4E93ylbNP8Ig6uknFs7Gt'],
    negatives: ['lin_api_' + '0MiGASGBsphiBtNQziY4E93ylbNP8Ig6uknFs7G', 'lin_api_' + 'a'.repeat(40)],
  },
  {
    id: 'notion-integration-token',
    description: 'Notion internal integration token (ntn_ current, secret_ legacy)',
    class: 'secret',
    keywords: ['ntn_', 'secret_'],
    pattern: token(String.raw`ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43}`),
    minEntropy: 4,
    positives: ['NOTION_TOKEN=ntn_' + '03483265408TNX03tzYeAcjxJscq9pWND2SGYV3njSfUyP', 'Bearer secret_' + 'HnmLkEwxizesFq4o0foxlE0eIVTLIMdkxQTu7Vg4JoY'],
    negatives: ['secret_key_base', 'secret_' + 'a'.repeat(43), 'ntn_' + '0348326540' + 'TNX03tzYeAcjxJscq9pWND2SGYV3njSfUyPx'],
  },
  {
    id: 'airtable-pat',
    description: 'Airtable personal access token (pat + 14 + . + 64 hex)',
    class: 'secret',
    keywords: ['pat'],
    pattern: token(String.raw`pat[A-Za-z0-9]{14}\.[a-f0-9]{64}`),
    minEntropy: 3.5,
    positives: ['AIRTABLE_TOKEN=pat' + 'lBxG3h1z7OHXX7.1b4a8c9b6b3d40889bf4d633831e4b73cb57b1234690ab95ca8174ca1c8e9ce9'],
    negatives: ['path.to.file', 'pat' + 'lBxG3h1z7OHXX7.1b4a8c9b6b3d40889bf4d633831e4b73'],
  },
  {
    id: 'dropbox-short-lived-token',
    description: 'Dropbox short-lived access token (sl.)',
    class: 'secret',
    keywords: ['sl.'],
    pattern: token(String.raw`sl\.(?:[A-Za-z]{1,2}\.)?[A-Za-z0-9_-]{130,1400}`, R_URL),
    minEntropy: 4,
    positives: [
      'Authorization: Bearer sl.' +
        'WF1ps0N9BdnNXURWDo2TQOO13tDHufFYfoFHXQLJ_hRr3isXOZdx3R_N4zv4pHfngrE-9dJlu3VsMA8I8SiZf9XkTz_pTIvODXob6sUloXDh3kwEcrPdtBPUok5_iGrv765ItqN_j2V7',
      '"access_token": "sl.u.' + 'WF1ps0N9BdnNXURWDo2TQOO13tDHufFYfoFHXQLJ_hRr3isXOZdx3R_N4zv4pHfngrE-9dJlu3VsMA8I8SiZf9XkTz_pTIvODXob6sUloXDh3kwEcrPdtBPUok5_iGrv765ItqN_j2V7"',
    ],
    negatives: ['see sl.short', 'xsl.' + 'WF1ps0N9BdnNXURWDo2TQOO13tDHufFYfoFHXQLJ_hRr3isXOZdx3R_N4zv4pHfngrE-9dJlu3VsMA8I8SiZf9XkTz_pTIvODXob6sUloXDh3kwEcrPdtBPUok5_iGrv765ItqN_j2V7'],
  },
  {
    id: 'dropbox-long-lived-token',
    description: 'Dropbox long-lived access token assigned to a dropbox... key',
    class: 'secret',
    keywords: ['dropbox'],
    pattern: inContext('dropbox', String.raw`[A-Za-z0-9]{11}AAAAAAAAAA[A-Za-z0-9_-]{43}`, R_URL),
    minEntropy: 3.5,
    positives: ['DROPBOX_ACCESS_TOKEN=' + 'b8razvkjdpfAAAAAAAAAAbuEK8qHPE7S30rbYk_RBCoOaWSl18sBC644eml6m1FY'],
    negatives: ['DROPBOX_APP_KEY=abc', 'DROPBOX_ACCESS_TOKEN=' + 'b8razvkjdpfAAAAAAAAAAbuEK8qHPE7S30rbYk'],
  },
  {
    id: 'postman-api-key',
    description: 'Postman API key (PMAK-)',
    class: 'secret',
    keywords: ['pmak-'],
    pattern: token(String.raw`PMAK-[a-f0-9]{24}-[a-f0-9]{34}`),
    minEntropy: 3,
    positives: ['X-Api-Key: PMAK-' + 'ef5c06049919b032df0f77cf-866947c0fdaec1fe7e92f90e43ff88161d'],
    negatives: ['PMAK-' + 'ef5c06049919b032df0f77cf-866947c0fdaec1fe7e92f90e43ff8816', 'PMAK-' + '0'.repeat(24) + '-' + '0'.repeat(34)],
  },
];

/** Cloud, code-host, registry and platform secret rules. */
export const CLOUD_RULES: readonly Rule[] = [
  ...AWS,
  ...GCP,
  ...AZURE,
  ...GITHUB,
  ...GITLAB,
  ...ATLASSIAN,
  ...REGISTRIES,
  ...PLATFORMS,
  ...SECRET_MANAGERS,
  ...SERVICES,
];
