// A real OpenID Provider for the browser tests of the staff and patient logins.
//
// panva's certified oidc-provider, configured from the JSON in OP_CONFIG:
//   {"issuer": "http://127.0.0.1:PORT", "clients": [...], "accounts": {"login": {claims}},
//    "claims": {"scope": ["claim", ...]}, "acrValues": ["..."]}
// The sign-in page is a plain form: the login name (an account of "accounts")
// and the assurance level (acr) the person "reached", so a test can sign in
// at a level the app must refuse. Claims go into the ID token as well as the
// userinfo endpoint (as Inera's IdP and Sweden Connect's brokers do).
// Prints "ready <issuer>" once it listens. Test use only: never part of the app.
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OP_CONFIG);
const issuer = new URL(config.issuer);

const provider = new Provider(config.issuer, {
  clients: config.clients,
  claims: { openid: ['sub'], ...config.claims },
  acrValues: config.acrValues,
  conformIdTokenClaims: false,
  cookies: { keys: ['painreg-test-provider-only'] },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  async findAccount(ctx, sub) {
    const claims = config.accounts[sub] || {};
    return { accountId: sub, async claims() { return { sub, ...claims }; } };
  },
  // First-party clients: the grant is given without a consent page.
  async loadExistingGrant(ctx) {
    const existing = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (existing) return ctx.oidc.provider.Grant.find(existing);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid) {
  const options = config.acrValues.map((v) => `<option value="${escape(v)}">${escape(v)}</option>`);
  return `<!doctype html><html lang="en"><head><title>Test identity provider</title></head><body>
<h1>Test identity provider</h1>
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Login</label> <input id="login" name="login" autocomplete="off">
<label for="acr">Assurance</label> <select id="acr" name="acr">${options.join('')}</select>
<button type="submit" id="sign-in">Sign in</button></form></body></html>`;
}

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const match = new URL(req.url, issuer).pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'POST' && match[2]) {
      const form = await body(req);
      const result = { login: { accountId: form.get('login'), acr: form.get('acr') } };
      return await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(loginPage(details.uid));
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    return res.end(`interaction failed: ${err.message}`);
  }
});

server.listen(Number(issuer.port), issuer.hostname, () => {
  process.stdout.write(`ready ${config.issuer}\n`);
});
