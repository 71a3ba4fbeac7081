"""Each reviewer's language and time zone (accounts): stored, set on their own page, switched on for the admin and
the API and nowhere else, and every time the admin shows is in their zone with the zone named."""

from datetime import UTC, datetime

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts.models import Profile
from accounts.selectors import preferences_of
from accounts.services import preferences_active, profile_set_preferences
from claims import dashboard
from claims.models import Article, Claim
from factcheck.formats import WITH_TIME, ZONE, without_zone
from public.links import claim_path
from tests.api.conftest import token_headers
from tests.factories import ArticleFactory, PublishedClaimFactory, UserFactory

pytestmark = pytest.mark.django_db

# The demo article's moment: 09:23 in Shanghai, 01:23 UTC.
PUBLISHED = datetime(2024, 11, 27, 1, 23, tzinfo=UTC)
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def prefer(user, *, language: str = "", time_zone: str = ""):
    profile_set_preferences(user=user, language=language, time_zone=time_zone)


@pytest.fixture
def rclient(client, reviewer):
    client.force_login(reviewer)
    return client


def html_lang(response) -> str:
    text = response.content.decode()
    start = text.index("<html lang=")
    return text[start:].split('"')[1]


# --- language -------------------------------------------------------------------------------------------------


def test_accept_language_chooses_while_the_preference_is_blank(rclient):
    chinese = rclient.get("/admin/", **ZH)
    assert html_lang(chinese) == "zh-hans"
    assert "站点管理" in chinese.content.decode()  # Django's own admin catalogue
    assert chinese["Content-Language"] == "zh-hans"
    english = rclient.get("/admin/", **EN)
    assert html_lang(english) == "en"
    assert "Site administration" in english.content.decode()


def test_the_preference_beats_accept_language(rclient, reviewer):
    prefer(reviewer, language="zh-hans")
    response = rclient.get("/admin/", **EN)
    assert html_lang(response) == "zh-hans"
    content = response.content.decode()
    assert "站点管理" in content
    assert "Site administration" not in content
    assert response["Content-Language"] == "zh-hans"

    prefer(reviewer, language="en")
    response = rclient.get("/admin/claims/claim/", **ZH)
    assert html_lang(response) == "en"
    assert "Select claim to change" in response.content.decode()


def test_the_login_page_follows_the_browser(client, reviewer):
    prefer(reviewer, language="en")
    response = client.get("/admin/login/", **ZH)
    assert html_lang(response) == "zh-hans"


def test_the_api_speaks_the_token_users_language(client, reviewer):
    prefer(reviewer, language="zh-hans")
    missing = client.get("/api/v1/claims/999999/", headers={**token_headers(reviewer), "Accept-Language": "en"})
    assert missing.status_code == 404
    assert missing.json()["detail"] == "未找到。"  # DRF's own catalogue
    assert missing["Content-Language"] == "zh-hans"
    anonymous = client.get("/api/v1/claims/999999/", headers={"Accept-Language": "en"})
    assert anonymous.json()["detail"] == "Not found."


# --- time zone ------------------------------------------------------------------------------------------------


@pytest.fixture
def article(db):
    return ArticleFactory(title="Sora leak", published_at=PUBLISHED)


def test_the_article_list_shows_the_reviewers_zone_by_name(rclient, reviewer, article):
    url = reverse("admin:claims_article_changelist")
    content = rclient.get(url, **EN).content.decode()
    assert "Nov. 27, 2024, 01:23 UTC" in content  # the desk's zone (settings.TIME_ZONE) by default

    prefer(reviewer, time_zone="Asia/Shanghai")
    content = rclient.get(url, **EN).content.decode()
    assert "Nov. 27, 2024, 09:23 CST" in content
    assert "01:23" not in content

    prefer(reviewer, language="zh-hans", time_zone="Asia/Shanghai")
    assert "2024年11月27日 09:23 CST" in rclient.get(url).content.decode()


def test_the_date_and_time_inputs_name_their_zone(rclient, reviewer, article):
    prefer(reviewer, time_zone="Asia/Shanghai")
    response = rclient.get(reverse("admin:claims_article_change", args=[article.pk]), **EN)
    content = response.content.decode()
    assert 'name="published_at_1" value="09:23:00"' in content
    assert '<span class="fc-zone">Asia/Shanghai</span>' in content
    assert 'id="fc-preferences-link">Language and time zone (Asia/Shanghai)' in content


def test_a_time_typed_in_the_form_is_read_in_the_reviewers_zone(rclient, reviewer):
    from tests.claims.test_admin import form_data

    prefer(reviewer, time_zone="Asia/Shanghai")
    article = ArticleFactory(published_at=None)
    url = reverse("admin:claims_article_change", args=[article.pk])
    data = form_data(rclient.get(url))
    data.update({"published_at_0": "2024-11-27", "published_at_1": "09:23"})
    assert rclient.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.published_at == PUBLISHED


def test_claim_list_change_form_and_history_name_the_zone(rclient, reviewer, other_reviewer):
    with timezone.override(UTC):
        claim = PublishedClaimFactory(text="A claim with times", reviewer=other_reviewer)
    Claim.objects.filter(pk=claim.pk).update(created_at=PUBLISHED, updated_at=PUBLISHED, published_at=PUBLISHED)
    claim.history.update(history_date=PUBLISHED)
    prefer(reviewer, time_zone="Asia/Shanghai")

    listing = rclient.get(reverse("admin:claims_claim_changelist"), **EN).content.decode()
    assert '<td class="field-updated_at nowrap">Nov. 27, 2024, 09:23 CST</td>' in listing

    form = rclient.get(reverse("admin:claims_claim_change", args=[claim.pk]), **EN).content.decode()
    # Read-only fields: created, updated and published at.
    assert form.count("Nov. 27, 2024, 09:23 CST") >= 3, form

    history = rclient.get(reverse("admin:claims_claim_history", args=[claim.pk]), **EN).content.decode()
    assert "Nov. 27, 2024, 09:23 CST" in history


def test_the_dashboard_names_the_zones(rclient, reviewer):
    cache.delete(dashboard.CACHE_KEY)
    cache.delete(dashboard.USER_CACHE_KEY.format(reviewer.pk))
    prefer(reviewer, time_zone="Asia/Shanghai")
    content = rclient.get("/admin/", **EN).content.decode()
    computed = content[content.index('id="fc-computed"') :]
    assert " CST;" in computed.split("</p>")[0]
    assert "The charts' days, weeks and months are the desk's, in UTC." in computed
    cache.delete(dashboard.CACHE_KEY)


def test_the_dashboard_counts_in_the_desks_calendar_whoever_asks(reviewer, settings):
    """Just before midnight UTC it is already the next day in Shanghai: the dashboard's days stay the desk's (its
    rollups are kept in that calendar and one cached copy serves everyone)."""
    assert settings.TIME_ZONE == "UTC"
    now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    desk = dashboard.dashboard_for(user=reviewer, now=now, use_cache=False)
    with timezone.override("Asia/Shanghai"):
        shanghai = dashboard.dashboard_for(user=reviewer, now=now, use_cache=False)
    assert shanghai.check_days == desk.check_days
    assert desk.check_days[-1].day == 30
    assert shanghai.verdict_months == desk.verdict_months
    assert desk.verdict_months[-1].month == 11


def test_the_demo_article_at_0923_beijing_time(client, reviewer, other_reviewer):
    call_command("load_demo", verbosity=0)
    assert Article.objects.get(title__startswith="白嫖遭反噬").published_at == PUBLISHED
    url = reverse("admin:claims_article_changelist")
    prefer(reviewer, language="zh-hans", time_zone="Asia/Shanghai")
    prefer(other_reviewer, language="en", time_zone="UTC")
    client.force_login(reviewer)
    assert "2024年11月27日 09:23 CST" in client.get(url).content.decode()
    client.force_login(other_reviewer)
    assert "Nov. 27, 2024, 01:23 UTC" in client.get(url).content.decode()


def test_the_api_gives_times_in_the_token_users_zone(client, reviewer):
    with timezone.override(UTC):
        claim = PublishedClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(published_at=PUBLISHED)
    url = f"/api/v1/claims/{claim.pk}/"
    assert client.get(url).json()["published_at"] == "2024-11-27T01:23:00Z"
    prefer(reviewer, time_zone="Asia/Shanghai")
    assert client.get(url, headers=token_headers(reviewer)).json()["published_at"] == "2024-11-27T09:23:00+08:00"


def test_the_token_users_preferences_cost_no_query(client, reviewer, django_assert_num_queries):
    prefer(reviewer, language="zh-hans", time_zone="Asia/Shanghai")
    headers = token_headers(reviewer)
    PublishedClaimFactory()
    # As tests/api/test_queries.py: token and user (and now profile), permissions, group permissions; the list.
    with django_assert_num_queries(4):
        assert client.get("/api/v1/claims/", headers=headers).status_code == 200


def test_no_zone_outlives_its_request(rclient, reviewer):
    prefer(reviewer, time_zone="Asia/Shanghai")
    rclient.get("/admin/")
    assert timezone.get_current_timezone_name() == "UTC"


# --- the public site is not the reviewer's -------------------------------------------------------------------


def test_public_pages_keep_their_own_zone_and_language(client, reviewer, settings):
    settings.FACTCHECK_PUBLIC_TIME_ZONE = "Europe/London"
    cache.clear()
    claim = PublishedClaimFactory(text="A claim readers see")
    Claim.objects.filter(pk=claim.pk).update(published_at=PUBLISHED)
    path = claim_path(claim.pk, claim.text)
    anonymous = client.get(path, **EN).content.decode()

    prefer(reviewer, language="zh-hans", time_zone="Asia/Shanghai")
    client.force_login(reviewer)
    cache.clear()
    signed_in = client.get(path, **EN)
    content = signed_in.content.decode()
    assert html_lang(signed_in) == "en"
    assert "Nov. 27, 2024, 01:23 (UTC, Europe/London)" in content  # the readers' zone, named once
    assert "CST" not in content
    assert "09:23" not in content
    assert "Nov. 27, 2024, 01:23 (UTC, Europe/London)" in anonymous
    cache.clear()


# --- the preferences page ------------------------------------------------------------------------------------


def test_the_user_tools_link_to_the_preferences_page(rclient):
    content = rclient.get("/admin/", **EN).content.decode()
    assert f'href="{reverse("admin:preferences")}" id="fc-preferences-link">Language and time zone (UTC)' in content


def test_a_reviewer_sets_language_and_zone(rclient, reviewer):
    url = reverse("admin:preferences")
    page = rclient.get(url, **EN)
    assert page.status_code == 200
    assert '<option value="Asia/Shanghai">' in page.content.decode()  # offered as suggestions

    response = rclient.post(url, {"language": "zh-hans", "time_zone": " asia/shanghai "}, **EN)
    assert response.status_code == 302
    assert response["Location"] == url
    with translation.override("zh-hans"):  # said in the language just chosen
        saved = translation.gettext("Your language and time zone are saved.")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [saved]
    profile = Profile.objects.get(user=reviewer)
    assert (profile.language, profile.time_zone) == ("zh-hans", "Asia/Shanghai")

    after = rclient.get(url, **EN)
    content = after.content.decode()
    assert html_lang(after) == "zh-hans"
    assert 'value="Asia/Shanghai"' in content
    assert "CST" in content

    # Back to the defaults: blank for both.
    rclient.post(url, {"language": "", "time_zone": ""})
    profile.refresh_from_db()
    assert (profile.language, profile.time_zone) == ("", "")


def test_an_unknown_zone_is_refused_with_a_clear_error(rclient, reviewer):
    response = rclient.post(reverse("admin:preferences"), {"language": "", "time_zone": "Mars/Olympus"}, **EN)
    assert response.status_code == 200
    content = response.content.decode()
    assert "“Mars/Olympus” is not a time zone name we know." in content
    assert "such as Asia/Shanghai, Europe/London or UTC" in content
    assert not Profile.objects.filter(user=reviewer).exists()


def test_an_unknown_language_is_refused(rclient, reviewer):
    response = rclient.post(reverse("admin:preferences"), {"language": "fr", "time_zone": ""}, **EN)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Profile.objects.filter(user=reviewer).exists()


def test_the_page_needs_a_signed_in_staff_user(client):
    response = client.get(reverse("admin:preferences"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_see_a_users_preferences_on_their_page(client, reviewer):
    admin = UserFactory(username="ada", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:auth_user_change", args=[reviewer.pk])
    content = client.get(url, **EN).content.decode()
    assert "As the browser asks (Accept-Language)" in content
    assert "The desk&#x27;s time zone, UTC" in content
    prefer(reviewer, language="zh-hans", time_zone="Asia/Shanghai")
    content = client.get(url, **EN).content.decode()
    assert "简体中文" in content
    assert "Asia/Shanghai" in content


# --- the rules ------------------------------------------------------------------------------------------------


def test_the_service_refuses_what_the_form_would():
    user = UserFactory()
    with pytest.raises(ValidationError) as refused:
        profile_set_preferences(user=user, language="xx", time_zone="Nowhere/Atall")
    assert set(refused.value.message_dict) == {"language", "time_zone"}
    assert not Profile.objects.filter(user=user).exists()


def test_a_zone_gone_from_the_database_falls_back_to_the_desks(reviewer):
    Profile.objects.create(user=reviewer, language="tlh", time_zone="Atlantis/Capital")
    preferences = preferences_of(type(reviewer).objects.get(pk=reviewer.pk))
    assert preferences.active_language is None
    assert str(preferences.zone) == "UTC"


def test_preferences_active_outside_a_request(reviewer):
    prefer(reviewer, language="zh-hans", time_zone="Asia/Shanghai")
    with preferences_active(reviewer):
        assert translation.get_language() == "zh-hans"
        assert formats.date_format(timezone.localtime(PUBLISHED), "DATETIME_FORMAT") == "2024年11月27日 09:23 CST"
    assert timezone.get_current_timezone_name() == "UTC"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_date_and_time_format_names_the_zone(language):
    with translation.override(language):
        for kind in WITH_TIME:
            assert formats.get_format(kind).endswith(ZONE), (language, kind)
            assert "T" not in without_zone(kind).replace("\\T", "")
