"""Safe, polite bots (issue 11, item 4), against a real Redis, the real projector and a real HTTP receiver.

- a hostile driver name pings nobody: the exact Discord and Slack payloads;
- one message per change, whatever it means (a new leader and a climb: one POST);
- rate limits: a 429 with Discord's JSON `retry_after` (or a `Retry-After` header) is waited out and
  the message sent once more; `X-RateLimit-Remaining: 0` holds the next message; Slack is spaced;
- one hung webhook never delays another: each change reaches the healthy one within 1 s, and the
  hung one gets them all, in order, once released;
- Standard Webhooks signatures, checked with the reference package and with the spec's algorithm
  written here, apart from the signing code;
- where a first deploy starts (`now`, `beginning`), and an upgrade from the one-group notifier;
- `standings notifier dead-letters list|redrive`.

Every wait is on a condition (the receiver's requests, the groups' pending and lag), never a sleep.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from standardwebhooks import Webhook as ReferenceWebhook
from standardwebhooks import WebhookVerificationError
from typer.testing import CliRunner

from services.cli.main import app
from services.notifier import notifier_running
from services.notifier.dead_letters import list_dead_letters, notifier_dead_letter
from services.notifier.webhooks import redact, webhook_key
from services.projector import projector_running
from services.runtime import keys
from services.runtime.redis import connect
from services.runtime.settings import Settings
from tests.integration import notifier_support
from tests.integration.notifier_support import (
    CHAMP,
    CID,
    Reply,
    group_done,
    lead_text,
    notified,
    notifier_settings,
    project,
    race,
    registration,
    wait_for,
)

receiver = notifier_support.receiver  # the fixture
HOSTILE = "@everyone Loek Hartog <!channel> & Co"
SECRET = "whsec_" + base64.b64encode(b"standings-test-secret-0123456789").decode()


async def hostile_season(client, url: str) -> None:
    """Registration (v1), race 1 (v2: Parker leads), race 2 (v3: the hostile name takes the lead)."""
    names = {"loek-hartog": HOSTILE}
    await project(client, url, [registration(), race(1, names=names), race(2, names=names)])


async def test_a_hostile_name_pings_nobody_on_discord_exact_payload(redis_url, redis_client, receiver) -> None:
    await hostile_season(redis_client, redis_url)
    s = notifier_settings(redis_url, [receiver.url("/discord")], webhook_format="discord")
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    first, second = receiver.posts("/discord")
    assert first["body"] == {
        "allowed_mentions": {"parse": []},
        "embeds": [{"title": CHAMP, "description": "- Parker Thompson takes the Pro lead", "color": 0x3498DB,
                    "footer": {"text": f"{CID}:v2"}}],
    }
    assert second["body"] == {
        "allowed_mentions": {"parse": []},  # Discord parses no mention at all: nobody is pinged
        "embeds": [{
            "title": CHAMP,
            # escaped: shows '@everyone Loek Hartog <!channel> & Co', is neither a mention nor markup
            "description": "- \\@everyone Loek Hartog \\<!channel\\> & Co takes the Pro lead",
            "color": 0x3498DB,
            "footer": {"text": f"{CID}:v3"},
        }],
    }
    assert "content" not in second["body"]  # the one place Discord would ping from is not used
    assert second["id"] == second["headers"]["X-Standings-Announcement-Id"] == f"{CID}:v3"


async def test_a_hostile_name_pings_nobody_on_slack_exact_payload(redis_url, redis_client, receiver) -> None:
    await hostile_season(redis_client, redis_url)
    s = notifier_settings(redis_url, [receiver.url("/slack")], webhook_format="slack")
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    _, second = receiver.posts("/slack")

    def mrkdwn(text: str) -> dict:
        return {"type": "mrkdwn", "text": text, "verbatim": True}

    assert second["body"] == {
        # & < > escaped: '<!channel>' is text, not Slack's channel mention; '@everyone' alone pings nobody
        "text": f"@everyone Loek Hartog &lt;!channel&gt; &amp; Co takes the Pro lead ({CHAMP})",
        "blocks": [
            {"type": "section", "text": mrkdwn(f"*{CHAMP}*")},
            {"type": "section", "text": mrkdwn("• @everyone Loek Hartog &lt;!channel&gt; &amp; Co takes the Pro lead")},
            {"type": "context", "elements": [mrkdwn(f"{CID}:v3")]},
        ],
        "unfurl_links": False,
        "unfurl_media": False,
    }


async def test_one_message_per_change_whatever_it_means(redis_url, redis_client, receiver) -> None:
    drivers = ["a-a", "b-b", "c-c", "d-d", "e-e", "f-f"]
    # r1: a b c d e f; r2: b f e c d a -> b takes the lead from a, f climbs from 6th to 3rd
    second = ["b-b", "f-f", "e-e", "c-c", "d-d", "a-a"]
    await project(redis_client, redis_url, [registration(), race(1, drivers), race(2, second)])
    s = notifier_settings(redis_url, [receiver.url("/ok")], webhook_format="discord")
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    posts = receiver.posts()
    assert len(posts) == 2  # race 1 and race 2: one POST each, however many rows moved
    assert posts[1]["body"]["embeds"][0]["description"] == (
        "- B B takes the Pro lead\n- F F climbs from 6th to 3rd in the Pro standings")


# --- rate limits --------------------------------------------------------------------------------

@pytest.mark.parametrize("reply", [
    Reply(429, json={"message": "You are being rate limited.", "retry_after": 0.8, "global": False}),  # Discord
    Reply(429, headers={"Retry-After": "1"}),  # Slack and HTTP
], ids=["json-retry_after", "Retry-After-header"])
async def test_a_429_is_waited_out_and_the_message_sent_once_more(redis_url, redis_client, receiver, reply) -> None:
    await project(redis_client, redis_url, [registration(), race(1)])
    receiver.script["/limited"] = [reply]  # then 200
    s = notifier_settings(redis_url, [receiver.url("/limited")], webhook_format="discord", webhook_backoff_s=0.01)
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    limited, sent = receiver.posts("/limited", status=None)  # exactly two POSTs: the 429, then one retry
    assert (limited["status"], sent["status"]) == (429, 200)
    asked = reply.json["retry_after"] if reply.json else float(reply.headers["Retry-After"])
    assert sent["at"] - limited["at"] >= asked  # not the 0.01 s backoff
    assert sent["raw"] == limited["raw"] and sent["id"] == limited["id"]
    assert await list_dead_letters(redis_client, s) == []


async def test_an_empty_discord_bucket_holds_the_next_message_until_its_reset(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1), race(2)])
    receiver.script["/bucket"] = [Reply(200, headers={"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                                                      "X-RateLimit-Reset-After": "0.7", "X-RateLimit-Bucket": "abc"})]
    s = notifier_settings(redis_url, [receiver.url("/bucket")], webhook_format="discord")
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    first, second = receiver.posts("/bucket")
    assert second["at"] - first["at"] >= 0.7


async def test_slack_messages_are_spaced_a_second_apart_by_default(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1), race(2)])
    s = notifier_settings(redis_url, [receiver.url("/slack"), receiver.url("/other")], webhook_format="slack",
                          webhook_interval_s=None)
    assert s.interval_s == 1.0
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    for path in ("/slack", "/other"):  # each webhook has its own pace
        first, second = receiver.posts(path)
        assert second["at"] - first["at"] >= 1.0
    assert abs(receiver.posts("/slack")[0]["at"] - receiver.posts("/other")[0]["at"]) < 1.0


# --- independence -------------------------------------------------------------------------------

@asynccontextmanager
async def projecting(url: str) -> AsyncIterator[Settings]:
    settings = Settings(redis_url=url, consumer_name="test-projector", claim_idle_ms=100)
    async with projector_running(url, settings):
        yield settings


async def test_a_hung_webhook_never_delays_another(redis_url, redis_client, receiver) -> None:
    receiver.hold("/hung")  # answers nothing until released
    s = notifier_settings(redis_url, [receiver.url("/hung"), receiver.url("/ok")], webhook_timeout_s=60)
    stream, hung_group = keys.changes_stream(CID), f"{s.notifier_group}:{webhook_key(receiver.url('/hung'))}"
    async with notifier_running(redis_url, s), projecting(redis_url) as p:
        await redis_client.xadd(p.events_stream, {"data": json.dumps(registration())})
        for n in (1, 2, 3):
            await redis_client.xadd(p.events_stream, {"data": json.dumps(race(n))})
            await wait_for(lambda n=n: async_true(len(receiver.posts("/ok")) == n), timeout=20)  # < the 60 s hang
        # Every change reached the healthy webhook while the hung one has not answered even the first:
        # the healthy one waits on nothing of the other's (a condition, not a clock, so load cannot fail it).
        assert [r["body"]["text"] for r in receiver.posts("/ok")] == [lead_text(1), lead_text(2), lead_text(3)]
        assert receiver.posts("/hung", status=None) == []  # still hanging on the first message
        assert not await group_done(redis_client, stream, hung_group)  # not acknowledged for the hung webhook
        assert await group_done(redis_client, stream, f"{s.notifier_group}:{webhook_key(receiver.url('/ok'))}")
        receiver.release("/hung")
        await wait_for(lambda: notified(redis_client, s))
    assert [r["body"]["text"] for r in receiver.posts("/hung")] == [lead_text(1), lead_text(2), lead_text(3)]  # in order
    assert len(receiver.posts("/ok")) == 3


async def async_true(value: bool) -> bool:
    return value


# --- signatures ---------------------------------------------------------------------------------

def spec_signatures(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """The Standard Webhooks signature, written from the spec (not the signing code)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


async def test_generic_webhooks_are_signed_the_standard_webhooks_way(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1)])
    receiver.script["/signed"] = [503]  # then 200: the retry is signed again, same id, its own timestamp
    s = notifier_settings(redis_url, [receiver.url("/signed")], webhook_secret=SECRET)
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    attempts = receiver.posts("/signed", status=None)
    assert [a["status"] for a in attempts] == [503, 200]
    for a in attempts:
        headers = {k.lower(): v for k, v in a["headers"].items()}
        assert ReferenceWebhook(SECRET).verify(a["raw"], headers) == a["body"]  # the reference algorithm
        assert spec_signatures(SECRET, headers["webhook-id"], headers["webhook-timestamp"], a["raw"]) in \
            headers["webhook-signature"].split(" ")
        assert headers["webhook-id"] == f"{CID}:v2" and abs(int(headers["webhook-timestamp"]) - time.time()) < 60
        assert SECRET not in json.dumps(headers) and a["body"]["text"] == lead_text(1)
        with pytest.raises(WebhookVerificationError):
            ReferenceWebhook(SECRET).verify(a["raw"].replace(b"Parker", b"Barker"), headers)
        other = "whsec_" + base64.b64encode(b"another-secret-of-32-bytes-long!").decode()
        with pytest.raises(WebhookVerificationError):
            ReferenceWebhook(other).verify(a["raw"], headers)


async def test_without_a_secret_nothing_is_signed(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1)])
    s = notifier_settings(redis_url, [receiver.url("/ok")])
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    [post] = receiver.posts()
    assert not {k.lower() for k in post["headers"]} & {"webhook-id", "webhook-timestamp", "webhook-signature"}


# --- start position -----------------------------------------------------------------------------

async def test_a_first_deploy_starts_now_by_default(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1)])  # history before the first deploy
    s = notifier_settings(redis_url, [receiver.url("/ok")], notifier_start="now")
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
        assert receiver.requests == []  # the history is not announced
        await project(redis_client, redis_url, [race(2), registration("later-cup"), race(1, cid="later-cup")])
        await wait_for(lambda: both_notified(redis_client, s))
    assert {(p["body"]["championship_id"], p["body"]["text"]) for p in receiver.posts()} == {
        (CID, lead_text(2)),  # published after the deploy
        ("later-cup", lead_text(1)),  # a championship registered after it: from its first change
    }
    assert len(receiver.posts()) == 2


async def both_notified(client, s) -> bool:
    return await notified(client, s) and await notified(client, s, "later-cup")


async def test_a_first_deploy_can_start_at_the_beginning(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1)])
    s = notifier_settings(redis_url, [receiver.url("/ok")], notifier_start="beginning")
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
        await project(redis_client, redis_url, [race(2)])
        await wait_for(lambda: notified(redis_client, s))
    assert [p["body"]["text"] for p in receiver.posts()] == [lead_text(1), lead_text(2)]


async def test_the_start_setting_only_counts_on_the_first_deploy(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1)])
    s = notifier_settings(redis_url, [receiver.url("/a")], notifier_start="now")
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    await project(redis_client, redis_url, [race(2)])  # while the notifier is down
    again = notifier_settings(redis_url, [receiver.url("/a"), receiver.url("/b")], notifier_start="beginning")
    async with notifier_running(redis_url, again):  # a restart with a new webhook, and 'beginning' set late
        await wait_for(lambda: notified(redis_client, again))
    for path in ("/a", "/b"):  # what was published while down, nothing from before the first deploy
        assert [p["body"]["text"] for p in receiver.posts(path)] == [lead_text(2)]


async def test_an_upgrade_from_the_one_group_notifier_continues_where_it_was(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1)])
    stream = keys.changes_stream(CID)
    s = notifier_settings(redis_url, [receiver.url("/ok")], notifier_start="now")
    [*_, (done, _)] = await redis_client.xrange(stream)
    await redis_client.xgroup_create(stream, s.notifier_group, id=done)  # the old notifier had done race 1
    await project(redis_client, redis_url, [race(2)])  # published during the upgrade
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    assert [p["body"]["text"] for p in receiver.posts()] == [lead_text(2)]


# --- dead letters: standings notifier dead-letters list|redrive ---------------------------------

runner = CliRunner()


def cli(env: dict[str, str], *args: str):
    return runner.invoke(app, ["notifier", "dead-letters", *args], env=env)


def test_dead_letters_are_listed_and_redriven(redis_url, receiver) -> None:
    down = receiver.url("/down")
    receiver.always["/down"] = 503
    s = notifier_settings(redis_url, [down], webhook_format="discord")

    async def fail_twice() -> None:
        client = connect(redis_url)
        try:
            await project(client, redis_url, [registration(), race(1), race(2)])
            async with notifier_running(redis_url, s):
                await wait_for(lambda: notified(client, s))
            stream = keys.changes_stream(CID)
            [*_, (sid, fields)] = await client.xrange(stream)
            await client.xadd(s.notifier_dead_letter_stream, notifier_dead_letter(  # a change dead-lettered whole
                reason="delivered 6 times (max 5)", stream_id=sid, payload=fields[b"data"], payload_type="standings.changed",
                url=redact(down), webhook=webhook_key(down), group=f"notifier:{webhook_key(down)}", stream=stream,
                event_id=f"{CID}:v3", championship_id=CID, version=3))
        finally:
            await client.aclose()

    asyncio.run(fail_twice())
    env = {"REDIS_URL": redis_url, "STANDINGS_WEBHOOK_URLS": down, "STANDINGS_WEBHOOK_FORMAT": "discord",
           "STANDINGS_WEBHOOK_MAX_ATTEMPTS": "1", "STANDINGS_WEBHOOK_INTERVAL_S": "0"}
    listed = cli(env, "list", "--json")
    assert listed.exit_code == 0, listed.output
    letters = json.loads(listed.stdout)
    assert [(d["event_id"], d["payload_type"], d["reason"]) for d in letters] == [
        (f"{CID}:v2", "webhook_body", "HTTP 503 after 3 attempts"),
        (f"{CID}:v3", "webhook_body", "HTTP 503 after 3 attempts"),
        (f"{CID}:v3", "standings.changed", "delivered 6 times (max 5)"),
    ]
    assert all(d["url"] == redact(down) and "/down" not in d["url"] for d in letters)
    table = cli(env, "list")
    assert table.exit_code == 0 and "Notifier dead letters (3)" in table.stdout

    still_down = cli(env, "redrive", letters[0]["id"], "--json")  # the webhook still fails: kept, exit 1
    assert still_down.exit_code == 1 and json.loads(still_down.stdout)[0]["outcome"] == "failed"
    assert len(json.loads(cli(env, "list", "--json").stdout)) == 3

    receiver.always["/down"] = 200
    before = len(receiver.posts("/down"))
    one = cli(env, "redrive", letters[0]["id"], "--json")
    assert one.exit_code == 0 and [r["outcome"] for r in json.loads(one.stdout)] == ["sent"]
    [resent] = receiver.posts("/down")[before:]
    assert resent["raw"] == letters[0]["payload"].encode()  # the stored body, byte for byte
    assert resent["id"] == f"{CID}:v2"  # the message id it first had: receivers can drop a duplicate

    unknown_webhook = cli({**env, "STANDINGS_WEBHOOK_URLS": receiver.url("/elsewhere")}, "redrive", "--json")
    assert {r["outcome"] for r in json.loads(unknown_webhook.stdout)} == {"skipped"}  # not configured here: kept

    rest = cli(env, "redrive", "--json")  # all that are left
    assert rest.exit_code == 0 and [r["outcome"] for r in json.loads(rest.stdout)] == ["sent", "sent"]
    posts = receiver.posts("/down")[before + 1:]
    assert [p["body"]["embeds"][0]["description"] for p in posts] == ["- Loek Hartog takes the Pro lead"] * 2
    assert json.loads(cli(env, "list", "--json").stdout) == []
    assert cli(env, "redrive", "1-1").exit_code == 0  # an unknown id is reported, not an error
