"""Messages that tell the truth (issue 18): a refusal is an error, said once; counts count what happened; a command
says what is there."""

import pytest
from django.contrib import messages
from django.core.management import call_command
from django.urls import reverse

from claims.choices import ClaimStatus, Verdict
from sources.models import Source
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:claims_claim_changelist"


@pytest.fixture
def rclient(client, reviewer):
    client.force_login(reviewer)
    return client


def shown(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


# --- bulk actions --------------------------------------------------------------------------------------------------


def test_bulk_publish_refusals_are_one_error_each_reason_once(rclient):
    ready = ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=Verdict.FALSE, explanation="Because.")
    EvidenceFactory(claim=ready)
    bare = [
        ClaimFactory(text=f"Bare {n}", status=ClaimStatus.IN_REVIEW, verdict=Verdict.TRUE, explanation="Yes.")
        for n in (1, 2)
    ]
    response = rclient.post(
        reverse(CHANGELIST),
        {"action": "publish", "index": "0", "_selected_action": [str(c.pk) for c in (ready, *bare)]},
        follow=True,
    )
    [(done_level, done), (level, refused)] = shown(response)
    assert (done_level, done) == (messages.SUCCESS, "Published 1 claim.")
    assert level == messages.ERROR
    assert refused.startswith("2 claims not published:")
    # The two claims share one reason: it is said once, after both of them.
    assert refused.count("This claim cannot be published yet: add at least one piece of evidence.") == 1
    newest, oldest = bare[1], bare[0]  # in the list's order, newest first
    assert f"#{newest.pk} Bare 2</a>, <a href" in refused
    assert f"#{oldest.pk} Bare 1</a>: This claim cannot be published yet" in refused
    # No list items inside the message: the admin draws each li of its message list as a green box with a tick.
    assert "<li" not in refused
    html = response.content.decode()
    assert '<li class="error">2 claims not published:' in html
    assert html.count('<li class="success">') == 1


def test_bulk_refusals_with_different_reasons_are_grouped_by_reason(rclient):
    unrated = ClaimFactory(text="Unrated", status=ClaimStatus.IN_REVIEW, explanation="Because.")
    EvidenceFactory(claim=unrated)
    bare = ClaimFactory(text="Bare", status=ClaimStatus.IN_REVIEW, verdict=Verdict.TRUE, explanation="Yes.")
    response = rclient.post(
        reverse(CHANGELIST),
        {"action": "publish", "index": "0", "_selected_action": [str(unrated.pk), str(bare.pk)]},
        follow=True,
    )
    [(level, refused)] = shown(response)
    assert level == messages.ERROR
    assert refused.count('<div class="fc-refusal">') == 2
    assert "choose a verdict other than “unrated”" in refused


# --- "Add selected as sources" ------------------------------------------------------------------------------------


def add_sources(client, links: list[str]):
    article = ArticleFactory()
    data = {
        "action": "add_sources",
        "link": links,
        "link_all": links,
        "link_text": ["a link"] * len(links),
        "next": reverse("admin:claims_article_change", args=[article.pk]),
    }
    return client.post(reverse("admin:claims_article_import"), data, follow=True)


def test_add_sources_counts_what_was_added_and_what_was_there(admin_client):
    SourceFactory(url="https://example.org/known")
    response = add_sources(
        admin_client, ["https://example.org/new-1", "https://example.org/known", "https://example.org/new-2"]
    )
    assert shown(response) == [(messages.SUCCESS, "2 sources added. 1 selected link was a source already.")]
    assert Source.objects.count() == 3


def test_add_sources_says_nothing_was_added_when_all_existed(admin_client):
    links = ["https://example.org/a", "https://example.org/b", "https://example.org/c"]
    for url in links:
        SourceFactory(url=url)
    response = add_sources(admin_client, links)
    assert shown(response) == [(messages.INFO, "No source added: 3 selected links were sources already.")]


def test_add_sources_counts_two_spellings_of_one_page_once(admin_client):
    response = add_sources(admin_client, ["https://example.org/page", "https://EXAMPLE.org/page#top"])
    assert shown(response) == [(messages.SUCCESS, "1 source added.")]


def test_add_sources_with_nothing_selected_says_so(admin_client):
    response = add_sources(admin_client, [])
    assert shown(response) == [(messages.WARNING, "No link was selected, so no source was added.")]


# --- ensure_superuser ----------------------------------------------------------------------------------------------


def ensure_superuser(monkeypatch, capsys, **env) -> str:
    for name in ("DJANGO_SUPERUSER_USERNAME", "DJANGO_SUPERUSER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    call_command("ensure_superuser")
    return capsys.readouterr().out


def test_ensure_superuser_names_the_superuser_that_exists(monkeypatch, capsys):
    UserFactory(username="desk", is_superuser=True, is_staff=True)
    out = ensure_superuser(monkeypatch, capsys)
    assert "No superuser set up" not in out
    assert out.startswith("A superuser is set up: 'desk'.")


def test_ensure_superuser_says_none_is_set_up_only_when_none_is(monkeypatch, capsys):
    UserFactory(username="staff", is_staff=True)
    assert ensure_superuser(monkeypatch, capsys).startswith("No superuser set up.")


def test_ensure_superuser_does_not_call_an_ordinary_user_a_superuser(monkeypatch, capsys):
    UserFactory(username="desk")
    env = {"DJANGO_SUPERUSER_USERNAME": "desk", "DJANGO_SUPERUSER_PASSWORD": "pw-long-enough"}
    out = ensure_superuser(monkeypatch, capsys, **env)
    assert "A user 'desk' exists but is not a superuser; it was left as it was." in out
    out = ensure_superuser(monkeypatch, capsys, **{**env, "DJANGO_SUPERUSER_USERNAME": "chief"})
    assert "Created superuser 'chief'." in out
    out = ensure_superuser(monkeypatch, capsys, **{**env, "DJANGO_SUPERUSER_USERNAME": "chief"})
    assert "Superuser 'chief' already exists" in out
