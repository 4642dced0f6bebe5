"""A German Discord client sees German commands, forms, cards, buttons and errors; everyone
else reads English. Through the real discord.py client; names typed as the client shows them."""

from __future__ import annotations

from bot.front.client import MicroblogBot
from discord_double import DiscordDouble
from tests.cogs.conftest import BotFactory, Person, bodies, post_id
from tests.conftest import STRONG_PASSWORD, FakeClock

DE = "de"


async def test_commands_carry_german_names_and_descriptions(
    microblog: MicroblogBot, double: DiscordDouble
) -> None:
    commands = {c["name"]: c for c in double.registered_commands(double.guild_id)}
    assert commands["feed"]["name_localizations"] == {"de": "beiträge"}
    assert commands["feed"]["description_localizations"] == {
        "de": "Die neuesten Beiträge lesen, von allen oder von einer Person."
    }
    (user,) = [o for o in commands["feed"]["options"] if o["name"] == "user"]
    assert user["name_localizations"] == {"de": "nutzer"}
    assert commands["Post to microblog"]["name_localizations"] == {"de": "Im Mikroblog posten"}
    subscribe = next(o for o in commands["digest"]["options"] if o["name"] == "subscribe")
    assert subscribe["name_localizations"] == {"de": "abonnieren"}
    assert double.violations == []  # every localized name passed Discord's rules


async def test_a_german_client_reads_german(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    opened = await double.send_slash(alice.user, "registrieren", locale=DE)
    form = await opened.modal()
    assert form.title == "Konto erstellen"
    assert [i.label for i in form.inputs] == [
        "Benutzername",
        "Passwort (nicht dein Discord-Passwort)",
        "Passwort wiederholen",
    ]
    values = {"username": "alice", "password": STRONG_PASSWORD, "password_repeat": "other"}
    mismatch = await (await double.submit_modal(alice.user, form, values, locale=DE)).message()
    assert mismatch.content == "Die beiden Passwörter stimmen nicht überein."
    values["password_repeat"] = STRONG_PASSWORD
    again = await (await double.send_slash(alice.user, "registrieren", locale=DE)).modal()
    welcome = await (await double.submit_modal(alice.user, again, values, locale=DE)).message()
    assert welcome.content.startswith("Willkommen, **alice**!")

    handle = await double.send_slash(alice.user, "posten", {"inhalt": "Hallo Welt"}, locale=DE)
    posted = await handle.message()
    assert posted.texts[0] == "Gepostet! So sehen andere deinen Beitrag:"
    assert [label for label, _, _ in posted.buttons] == [
        "Antworten",
        "Gefällt mir",
        "Reposten",
        "Bearbeiten",
        "Löschen",
    ]
    feed = await (await double.send_slash(alice.user, "beiträge", locale=DE)).message()
    assert feed.texts[0] == "## Neueste Beiträge"
    assert bodies(feed) == ["Hallo Welt"]
    assert [label for label, _, _ in feed.buttons][-2:] == ["Neuere", "Ältere"]
    question = await (
        await double.click_button(alice.user, feed, feed.button("Löschen"), locale=DE)
    ).message()
    number = post_id(posted)
    assert (
        question.texts[0] == f"Beitrag #{number} löschen? Das lässt sich nicht rückgängig machen."
    )

    # The same bot, the same moment: an English client reads English.
    english = await bob.run("feed", user="nobody")
    assert english.content == "There is no user called 'nobody'."
    german = await (
        await double.send_slash(bob.user, "beiträge", {"nutzer": "nobody"}, locale=DE)
    ).message()
    assert german.content == "Es gibt niemanden namens 'nobody'."
    refused = await (
        await double.send_slash(bob.user, "posten", {"inhalt": "x"}, locale=DE)
    ).message()
    assert refused.content == "Du bist nicht angemeldet. Melde dich zuerst mit /anmelden an."
    assert double.violations == []


async def test_summaries_speak_the_servers_language(
    start_microblog: BotFactory, double: DiscordDouble, alice: Person, clock: FakeClock
) -> None:
    double.guilds[double.guild_id].locale = "de"  # a German community server
    admin = Person(double, double.add_admin("moderator"))
    async with start_microblog(run_scheduler=False) as bot:
        subscribe = await double.send_slash(
            admin.user,
            "digest",
            {"channel": double.channel_id, "interval": "1h"},
            subcommand="subscribe",
        )
        await subscribe.message()
        await alice.register("alice")
        await alice.run("post", content="Neuigkeiten")
        clock.advance(hours=1)
        assert await bot.scheduler.tick() == 1
    (summary,) = double.channel_messages(double.channel_id)
    assert summary.texts[0] == "### Mikroblog: 1 neuer Beitrag"
    assert summary.texts[-1] == "-# Alles lesen: /beiträge."
    assert bodies(summary) == ["Neuigkeiten"]
    assert double.violations == []
