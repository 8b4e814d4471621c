// A real OpenID Connect provider (the certified npm package oidc-provider) for the sign-in browser tests,
// on 127.0.0.1 only. Started by devtools/oidc_provider.py; everything comes from the environment:
//   OIDC_PORT            the port to listen on (the issuer is http://127.0.0.1:<port>)
//   OIDC_REDIRECT_URI    the dashboard's /oauth2callback, the only redirect the test client may use
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET   the test client
//   OIDC_ACCOUNTS        JSON {"<login>": {"email": ..., "email_verified": true, "name": ...}}
// The built-in development login form takes a login from OIDC_ACCOUNTS and any password (an unknown login
// has no account, so no sign-in completes with it). It prints "ready <issuer>" once it listens. Never use it for anything but tests.
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const redirect = process.env.OIDC_REDIRECT_URI;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || "{}");
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: [redirect],
      post_logout_redirect_uris: [redirect],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  // Streamlit reads the user from the ID token: put the scopes' claims in it.
  conformIdTokenClaims: false,
  cookies: { keys: ["oidc-provider test cookie key, not a secret"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});

provider.listen(port, "127.0.0.1", () => {
  console.log(`ready ${issuer}`);
});
