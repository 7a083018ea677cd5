"""Python's authlib against the embedded ID-porten (issue 11, item 10): the refusals of the
token endpoint reach authlib as the OAuth errors they are (RFC 6749 section 5.2), not as a
ValueError from an error_description it cannot accept.

Driven by crates/dialogporten/tests/idporten_python.rs, which starts the server and passes its
URLs in the environment. Prints one JSON line per case: {"case", "error", "description"}.
"""
import json
import os

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session


def refusal(case, call):
    try:
        call()
    except OAuthError as error:
        print(json.dumps({"case": case, "error": error.error, "description": error.description}))
        return
    print(json.dumps({"case": case, "error": None, "description": "no error raised"}))


def main():
    token_url = os.environ["TOKEN_URL"]
    session = OAuth2Session(
        os.environ["CLIENT_ID"],
        os.environ["CLIENT_SECRET"],
        scope="openid digdir:dialogporten",
        redirect_uri=os.environ["REDIRECT_URI"],
        code_challenge_method="S256",
    )
    refusal(
        "unknown code",
        lambda: session.fetch_token(
            token_url,
            grant_type="authorization_code",
            code='no-such-code"\\',
            code_verifier="x" * 43,
        ),
    )
    refusal(
        "unknown refresh token",
        lambda: session.refresh_token(token_url, refresh_token='no-such-token"\\'),
    )
    wrong = OAuth2Session(os.environ["CLIENT_ID"], "wrong-secret")
    refusal(
        "wrong client secret",
        lambda: wrong.fetch_token(
            token_url,
            grant_type="authorization_code",
            code="c",
            redirect_uri=os.environ["REDIRECT_URI"],
        ),
    )


main()
