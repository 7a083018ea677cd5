// openid-client (Node) against the embedded ID-porten: pushed authorization requests
// (RFC 9126, buildAuthorizationUrlWithPAR), the code grant with PKCE, state and nonce, and
// token revocation (RFC 7009, tokenRevocation). Driven by
// crates/dialogporten/tests/idporten_js.rs, which does the browser part between the phases:
//
//   node idporten.mjs par      -> prints {"url", "verifier", "state", "nonce"}
//   node idporten.mjs finish   -> reads CALLBACK, VERIFIER, STATE, NONCE; prints the tokens,
//                                 then revokes the refresh token and prints {"revoked": true}
//
// Environment: ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, SCOPE.
import * as client from 'openid-client';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const config = await client.discovery(
  new URL(env('ISSUER')),
  env('CLIENT_ID'),
  undefined,
  client.ClientSecretBasic(env('CLIENT_SECRET')),
  // The embedded ID-porten listens on plain HTTP on loopback.
  { execute: [client.allowInsecureRequests] },
);

const phase = process.argv[2];
if (phase === 'par') {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: env('REDIRECT_URI'),
    scope: env('SCOPE'),
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  console.log(JSON.stringify({ url: url.href, verifier, state, nonce }));
} else if (phase === 'finish') {
  const tokens = await client.authorizationCodeGrant(config, new URL(env('CALLBACK')), {
    pkceCodeVerifier: env('VERIFIER'),
    expectedState: env('STATE'),
    expectedNonce: env('NONCE'),
  });
  const claims = tokens.claims();
  console.log(JSON.stringify({
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    nonce: claims?.nonce,
  }));
  await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
  console.log(JSON.stringify({ revoked: true }));
} else {
  throw new Error(`unknown phase ${phase}`);
}
