"""Bot messages, pure (no I/O): untrusted names stay text, every format stays within its platform's limits.

Also the small pieces of webhook politeness that need no server: reading a 429's wait, the
signature headers (checked with the Standard Webhooks reference package and with the spec's
algorithm written here), and the settings that guard the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from standardwebhooks import Webhook as ReferenceWebhook

from services.notifier import Announcement, Names, announce, digest, render
from services.notifier.messages import DISCORD_LIMITS, JSON_MAX_ANNOUNCEMENTS, SLACK_LIMITS, limit_problems
from services.notifier.settings import NotifierSettings
from services.notifier.text import clean, escape_discord, escape_slack, fit
from services.notifier.webhooks import Signer, asked_wait, backoff, encode, redact, seconds, webhook_key

HOSTILE = "@everyone Loek Hartog <!channel> & Co"
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def item(name: str = HOSTILE, kind: str = "leader", summary: str | None = None, champ: str = "Cup") -> Announcement:
    summary = summary if summary is not None else f"{name} takes the Pro lead"
    return Announcement("cup", 7, "cup:v7", kind, f"{summary} ({champ})", "drivers/pro", "drivers", "pro", "d1", name,
                        summary=summary)


# --- text -----------------------------------------------------------------------------------------

def test_clean_makes_one_line_of_visible_text_and_cuts_it() -> None:
    assert clean("Ann\nLee\t\u202eeviL\u200b  Jr.\x00", 100) == "Ann Lee eviL Jr."
    assert clean("x" * 150, 100) == "x" * 99 + "…" and len(clean("x" * 150, 100)) == 100
    assert clean("Zoë 👨‍👩‍👧 Ñ", 100) == "Zoë 👨‍👩‍👧 Ñ"  # letters and joined emoji are kept
    assert clean("\ud800 lone surrogate", 100) == "lone surrogate"  # cannot be encoded: dropped as a space


def test_escapes_neutralise_mentions_links_and_markup() -> None:
    assert escape_discord(HOSTILE) == "\\@everyone Loek Hartog \\<!channel\\> & Co"
    assert escape_discord("[click](https://x.test) **b** <@&123> `c` ~s~ |sp|") == (
        "\\[click\\](https\\://x.test) \\*\\*b\\*\\* \\<\\@&123\\> \\`c\\` \\~s\\~ \\|sp\\|")
    assert escape_slack("<!here> <@U123|x> <http://x|y> & &amp;") == (
        "&lt;!here&gt; &lt;@U123|x&gt; &lt;http://x|y&gt; &amp; &amp;amp;")


def test_fit_never_splits_an_escape() -> None:
    assert fit("&&&&", 12, lambda c: escape_slack(c)) == "&amp;&amp;…"  # 11 characters, no '&am'
    assert fit("@@@@", 6, escape_discord) == "\\@\\@…"
    assert fit("short", 10) == "short"


# --- announce(): names are text -------------------------------------------------------------------

def test_names_with_braces_line_breaks_or_thousands_of_characters_are_announced_as_text() -> None:
    change = {"event_id": "cup:v7", "championship_id": "cup", "payload": {"version": 7, "changes": [{
        "table": "drivers/pro", "table_id": "drivers", "class_id": "pro", "moves": [], "points_gained": [],
        "leader_change": {"from": None, "to": "x"}, "clinched": None}]}}
    names = Names("{0} Cup\n" + "C" * 5000, {"pro": "{name}"})
    table = {"drivers/pro": {"table_id": "drivers", "class_id": "pro", "rows": [
        {"id": "x", "name": "Bad\nName {0} " + "y" * 500, "position": 1, "points": 1}]}}
    [a] = announce(change, table, names)
    assert a.summary.startswith("Bad Name {0} yyy") and a.summary.endswith("… takes the {name} lead")
    assert len(a.driver_name) == 100 and "\n" not in a.text and len(a.text) < 400


# --- formats: exact shapes --------------------------------------------------------------------------

def test_discord_is_one_embed_that_pings_nobody() -> None:
    d = digest([item(kind="climb", summary="B climbs from 7th to 3rd in the Pro standings"), item()], "Cup <@&1>")
    assert render(d, "discord") == {
        "allowed_mentions": {"parse": []},
        "embeds": [{"title": "Cup \\<\\@&1\\>",
                    "description": "- \\@everyone Loek Hartog \\<!channel\\> & Co takes the Pro lead\n"
                                   "- B climbs from 7th to 3rd in the Pro standings",
                    "color": 0x3498DB, "footer": {"text": "cup:v7"}}],
    }


def test_slack_is_block_kit_with_everything_escaped() -> None:
    d = digest([item()], "Cup & <!here>")
    body = render(d, "slack")
    assert body["text"] == "@everyone Loek Hartog &lt;!channel&gt; &amp; Co takes the Pro lead (Cup)"
    assert [b["type"] for b in body["blocks"]] == ["section", "section", "context"]
    assert body["blocks"][0]["text"] == {"type": "mrkdwn", "text": "*Cup &amp; &lt;!here&gt;*", "verbatim": True}
    assert "<" not in json.dumps(body["blocks"]) and body["unfurl_links"] is False


def test_json_keeps_the_announcement_fields_and_lists_them_all() -> None:
    clinch, lead = item(kind="clinched", summary="A clinches the Pro title"), item()
    body = render(digest([lead, clinch], "Cup"), "json")
    assert {k: body[k] for k in clinch.to_dict()} == clinch.to_dict()  # the headline: the clinch, every old field
    assert body["announcements"] == [clinch.to_dict(), lead.to_dict()] and body["more"] == 0
    assert body["kind"] == "clinched" and body["driver_name"] == HOSTILE  # data, unescaped: JSON is not a chat


def test_the_digest_puts_clinches_then_leaders_then_climbs_then_first_points() -> None:
    kinds = ["first_points", "climb", "leader", "clinched", "climb"]
    d = digest([item(kind=k, summary=f"{k} {i}") for i, k in enumerate(kinds)], "Cup")
    assert [a.summary for a in d.items] == ["clinched 3", "leader 2", "climb 1", "climb 4", "first_points 0"]
    assert d.kinds == "clinched,leader,climb,first_points" and digest([], "Cup") is None


# --- limits, whatever the input -----------------------------------------------------------------

names = st.text(alphabet=st.sampled_from("a@<>&*_`[]():#\\ \n\u202eé👍"), max_size=300)


@settings(max_examples=60, deadline=None)
@given(st.lists(names, min_size=1, max_size=80), names, st.sampled_from(["discord", "slack", "json"]))
def test_every_format_stays_within_its_limits(people: list[str], championship: str, fmt: str) -> None:
    items = [item(clean(p, 100) or "x", kind=["leader", "climb"][i % 2]) for i, p in enumerate(people)]
    body = render(digest(items, championship), fmt)
    assert limit_problems(body, fmt) == []
    text = json.dumps(body)
    if fmt == "discord":
        assert "@everyone" not in text.replace("\\\\@everyone", "")  # always escaped
    if fmt == "slack":
        assert "<!channel>" not in text and "<" not in text


def test_too_many_lines_end_with_how_many_were_left_out() -> None:
    many = [item(name="N" * 100) for _ in range(200)]
    d = digest(many, "Cup")
    description = render(d, "discord")["embeds"][0]["description"]
    shown = description.count("\n")
    assert description.endswith(f"- … and {200 - shown} more") and len(description) <= DISCORD_LIMITS["description"]
    section = render(d, "slack")["blocks"][1]["text"]["text"]
    assert section.endswith("more") and len(section) <= SLACK_LIMITS["section"]
    body = render(d, "json")
    assert len(body["announcements"]) == JSON_MAX_ANNOUNCEMENTS and body["more"] == 200 - JSON_MAX_ANNOUNCEMENTS


def test_limit_problems_catches_what_breaks_a_limit() -> None:
    problems = limit_problems({"content": "x" * 2001, "embeds": [{"title": "t" * 257}] * 11}, "discord")
    assert "content: 2001 > 2000" in problems and "embeds: 11 > 10" in problems and "title: 257 > 256" in problems
    assert "allowed_mentions is not {'parse': []}" in problems
    assert limit_problems({"text": "x", "blocks": [{"type": "section", "text": {"text": "y" * 3001}}] * 51}, "slack") == [
        "blocks: 51 > 50", *["section: 3001 > 3000"] * 51]


# --- webhooks: waits, signatures, secrets ---------------------------------------------------------

def test_a_429_wait_is_the_longest_the_receiver_asked_for() -> None:
    def response(**kw) -> httpx.Response:
        return httpx.Response(429, request=httpx.Request("POST", "http://x"), **kw)

    assert asked_wait(response(json={"retry_after": 1.5, "global": False})) == 1.5  # Discord: seconds, a float
    assert asked_wait(response(headers={"Retry-After": "3"}, json={"retry_after": 0.25})) == 3.0
    assert asked_wait(response(headers={"X-RateLimit-Reset-After": "2.5"})) == 2.5
    assert asked_wait(response(text="slow down")) is None
    assert seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0 and seconds("nan") is None and seconds("-4") == 0.0


def test_backoff_doubles_and_is_capped() -> None:
    s = NotifierSettings(webhook_backoff_s=0.5, webhook_backoff_max_s=3)
    assert [backoff(s, n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3]
    assert backoff(s, 1, "2") == 2.0 and backoff(s, 1, "60") == 3


def test_signatures_verify_with_the_reference_package_and_the_spec() -> None:
    body = encode({"text": HOSTILE, "n": 1})
    headers = Signer(SECRET).headers("cup:v7", body)
    assert ReferenceWebhook(SECRET).verify(body, headers) == {"text": HOSTILE, "n": 1}
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}".encode()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def test_the_secret_is_checked_and_never_shown() -> None:
    assert NotifierSettings(webhook_secret=SECRET).webhook_secret.get_secret_value() == SECRET
    assert SECRET not in repr(NotifierSettings(webhook_secret=SECRET))
    for bad in ("not-a-secret-at-all", "whsec_!!!", "whsec_" + base64.b64encode(b"short").decode()):
        with pytest.raises(ValidationError) as err:
            NotifierSettings(webhook_secret=bad)
        assert bad not in str(err.value) and "webhook_secret" in str(err.value)
    with pytest.raises(ValidationError) as err:
        NotifierSettings(webhook_urls="ftp://hooks.test/T0KEN")
    assert "T0KEN" not in str(err.value)


def test_a_redacted_url_keeps_no_token() -> None:
    url = "https://discord.com/api/webhooks/123/s3cr3t-T0KEN"
    assert redact(url) == f"https://discord.com/...#{webhook_key(url)}" and "T0KEN" not in redact(url)
    assert "T0KEN" not in repr(NotifierSettings(webhook_urls=url))  # nor in a traceback's locals
    assert NotifierSettings(webhook_format="slack").interval_s == 1.0
    assert NotifierSettings(webhook_format="slack", webhook_interval_s=0.2).interval_s == 0.2
    assert NotifierSettings(webhook_format="discord").interval_s == 0.0
