// The text of --help: everything the command line takes, and the environment variable for each.
import { OPERATIONS } from '../types.js';

export const HELP = `Usage: acs-identity-emulator [options]
       acs-identity-emulator entra-token --tenant-id GUID --user-id GUID [options]

A local Azure Communication Services Identity emulator. Once ready it prints on stdout
  COMMUNICATION_SERVICES_CONNECTION_STRING=endpoint=...;accesskey=...
and with --https a second line
  NODE_EXTRA_CA_CERTS=<file of the certificate authority to trust>
then serves until SIGINT or SIGTERM. Everything else goes to stderr.

Options (the environment variable is read when the option is absent):
  --port N                    ACS_EMULATOR_PORT                 listening port (default 0: a free one)
  --host ADDRESS              ACS_EMULATOR_HOST                 listening address (default 127.0.0.1)
  --access-key BASE64         ACS_EMULATOR_ACCESS_KEY           key of the connection string (default: random)
  --data-dir DIR              ACS_EMULATOR_DATA_DIR             keep identities, assignments, keys and the
                                                                certificate there (default: identities in
                                                                memory, certificate and keys in the cache dir)
  --https                     ACS_EMULATOR_HTTPS=1              serve HTTPS, so the unmodified SDK connects
  --rate-limit OP=N|OP=off    ACS_EMULATOR_RATE_LIMITS          requests per window for an operation, or off;
  --rate-limit off                                              plain "off" lifts every limit
  --rate-limit-window MS      ACS_EMULATOR_RATE_LIMIT_WINDOW_MS window length (default 30000)
  --latency [OP=]MS           ACS_EMULATOR_LATENCY              delay before answering (one operation, or all)
  --fault [OP=]STATUS:SHARE   ACS_EMULATOR_FAULTS               answer this share of requests with STATUS
                                                                (429, 500, 502, 503, 504); SHARE 0.1 or 10%
  --retry-after SECONDS       ACS_EMULATOR_RETRY_AFTER          Retry-After of injected 429 and 503 (default 1)
  --token-lifetime SECONDS    ACS_EMULATOR_TOKEN_LIFETIME_SECONDS every user token lives this long (1 to 86400),
                                                                whatever was asked: tests of token refresh
  --entra-jwks URL|FILE       ACS_EMULATOR_ENTRA_JWKS           trust the keys of a real Entra ID tenant
  --bearer-jwks URL|FILE      ACS_EMULATOR_BEARER_JWKS          also trust these keys for bearer (managed
                                                                identity) tokens on the data plane
  --no-dev-entra              ACS_EMULATOR_DEV_ENTRA=0          do not trust the development Entra issuer
  --verbose                   ACS_EMULATOR_VERBOSE=1            one stderr line per request (method, path,
                                                                status, time; never keys or tokens)
  -h, --help                                                    show this text

With --https, a bearer token (TokenCredential, managed identity) must be signed (RS, PS or ES algorithms; never
none or HMAC) by a trusted key: the development Entra issuer's and --bearer-jwks. Its aud must be
https://communication.azure.com, it must be unexpired, and its iss must be the Entra issuer of its own tenant
(https://sts.windows.net/{tid}/ or https://login.microsoftonline.com/{tid}/v2.0; the development issuer's own).
Anything else gets 401, as from ACS.

The emulator-only routes under /_emulator/ answer only loopback clients that name a loopback Host (localhost,
127.0.0.1 or [::1], with or without the port); any other Host gets 403, against DNS rebinding.

Repeat --rate-limit, --latency and --fault for several operations; in the environment, separate them with
commas: ACS_EMULATOR_FAULTS=issue=503:0.1,create=429:5%.
Operations: ${OPERATIONS.join(', ')}.

entra-token prints a token of the development Entra issuer (the one the emulator trusts by default):
  --tenant-id GUID, --user-id GUID  tid and oid of the user (required)
  --app-id GUID                     appid of the client (default: the issuer's own client id)
  --scope SCOPE                     repeatable (default https://communication.azure.com/clients/.default;
                                    https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls
                                    for the Teams-extension exchange)
  --group GUID                      repeatable: the groups claim
  --expires-in SECONDS              lifetime (default 3600; negative for an expired token)
  --data-dir DIR                    the emulator's --data-dir, if it was given one
`;
