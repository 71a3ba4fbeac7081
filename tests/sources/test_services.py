"""Recording, idempotency, claiming due sources, the jobs and the management command."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from claims.choices import Stance
from claims.selectors.attention import claims_needing_attention
from sources.choices import Health, Outcome
from sources.fetch import CheckResult
from sources.health import SourceResult, linkchecks_record
from sources.models import LinkCheck, Source
from sources.services import source_check, sources_check, sources_claim_due
from sources.tasks import check_due_sources, check_source, check_sources_batch
from tests import factories

pytestmark = pytest.mark.django_db


def test_source_check_records_one_linkcheck(farm):
    source = factories.SourceFactory(url=farm.url("/ok"))
    check = source_check(source_id=source.id, run_key="manual-1")
    assert (check.outcome, check.http_status, check.run_key) == (Outcome.OK, 200, "manual-1")
    source.refresh_from_db()
    assert source.health == Health.OK
    assert source.last_checked_at == check.checked_at


def test_same_run_delivered_twice_writes_one_linkcheck_and_checks_once(farm):
    source = factories.SourceFactory(url=farm.url("/status/404"))
    check_source.delay(source.id, "run-7")
    check_source.delay(source.id, "run-7")
    assert LinkCheck.objects.filter(source=source).count() == 1
    source.refresh_from_db()
    assert source.consecutive_failures == 1  # health moved once
    assert farm.hits["/status/404"] == 2  # HEAD + GET of the first delivery only


def test_recording_is_guarded_by_the_constraint_not_by_the_precheck(farm):
    """Two workers that both fetched before either wrote: the second write changes nothing."""
    source = factories.SourceFactory()
    result = CheckResult(url=source.url, outcome=Outcome.NOT_FOUND, http_status=404, checked_at=timezone.now())
    first = linkchecks_record(results=[SourceResult(source.id, result)], run_key="race")
    second = linkchecks_record(results=[SourceResult(source.id, result)], run_key="race")
    assert (first.recorded, second.recorded, second.duplicates) == ([source.id], [], [source.id])
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    assert LinkCheck.objects.filter(source=source).count() == 1


def test_batch_task_checks_many_sources_with_few_queries(farm, django_assert_max_num_queries):
    sources = [factories.SourceFactory(url=farm.url(f"/ok?n={n}")) for n in range(30)]
    sources += [factories.SourceFactory(url=farm.url(f"/status/404?n={n}")) for n in range(10)]
    with django_assert_max_num_queries(12):  # not one round trip per source
        check_sources_batch.delay([s.id for s in sources], "batch-1")
    assert LinkCheck.objects.filter(run_key="batch-1").count() == 40
    assert Source.objects.filter(health=Health.OK).count() == 30
    assert Source.objects.filter(health=Health.FAILING).count() == 10


def test_batch_budget_defers_what_it_could_not_start(farm, settings):
    settings.LINKCHECK_HOST_INTERVAL = 0.3
    sources = [factories.SourceFactory(url=farm.url(f"/ok?n={n}")) for n in range(12)]
    report = sources_check(source_ids=[s.id for s in sources], run_key="budget", budget=0.5)
    assert report.deferred
    assert len(report.recorded) + len(report.deferred) == 12
    assert LinkCheck.objects.filter(run_key="budget").count() == len(report.recorded)
    deferred = Source.objects.get(id=report.deferred[0])
    assert deferred.next_check_at < timezone.now() + timedelta(minutes=6)


def test_blocked_source_is_neutral(farm_pair):
    source = factories.SourceFactory(url=farm_pair[1].url("/ok"))
    check = source_check(source_id=source.id)
    assert check.outcome == Outcome.BLOCKED
    source.refresh_from_db()
    assert (source.health, source.consecutive_failures) == (Health.UNKNOWN, 0)


def _make_due(count, domain_port, farm, **kwargs):
    return [factories.SourceFactory(url=farm.url(f"/ok?due={domain_port}-{n}"), **kwargs) for n in range(count)]


def test_claim_due_takes_due_sources_once(farm):
    now = timezone.now()
    due = _make_due(3, "a", farm)  # never checked: next_check_at is null
    past = factories.SourceFactory(url=farm.url("/ok?past"))
    future = factories.SourceFactory(url=farm.url("/ok?future"))
    Source.objects.filter(id=past.id).update(next_check_at=now - timedelta(minutes=1))
    Source.objects.filter(id=future.id).update(next_check_at=now + timedelta(days=1))
    claimed = sources_claim_due(limit=100, per_host=100, lease_seconds=3600)
    assert sorted(claimed) == sorted([s.id for s in due] + [past.id])
    assert sources_claim_due(limit=100, per_host=100, lease_seconds=3600) == []
    assert Source.objects.get(id=past.id).next_check_at > now + timedelta(minutes=59)


def test_claim_due_interleaves_hosts_and_caps_each(farm):
    a = [factories.SourceFactory(url=farm.url(f"/ok?n={n}")) for n in range(5)]
    b = [factories.SourceFactory(url=farm.url(f"/ok?n={n}", host="localhost")) for n in range(2)]
    claimed = sources_claim_due(limit=100, per_host=3, lease_seconds=3600)
    assert len(claimed) == 5  # 3 of a, 2 of b
    hosts = [Source.objects.get(id=i).domain for i in claimed]
    assert hosts[:2] != [hosts[0]] * 2  # the first two are from two hosts
    assert len({s.id for s in a} & set(claimed)) == 3
    assert {s.id for s in b} <= set(claimed)


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_never_claim_one_source_twice(farm):
    ids = [s.id for s in _make_due(300, "x", farm)]
    results, barrier = {}, threading.Barrier(2)

    def beat(name):
        barrier.wait()
        try:
            results[name] = sources_claim_due(limit=200, per_host=1000, lease_seconds=3600)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(results["one"]) & set(results["two"])
    assert len(results["one"]) + len(results["two"]) == 300
    assert set(results["one"]) | set(results["two"]) == set(ids)


def test_check_due_sources_enqueues_batches_and_checks(farm, settings):
    settings.LINKCHECK_BATCH_SIZE = 4
    sources = _make_due(10, "d", farm)
    assert check_due_sources.delay().get() == 10
    assert LinkCheck.objects.filter(source__in=sources).count() == 10
    assert len(set(LinkCheck.objects.values_list("run_key", flat=True))) == 3  # three batches
    assert check_due_sources.delay().get() == 0  # nothing is due until next week


def test_claims_needing_attention():
    dead = factories.SourceFactory(health=Health.DEAD)
    dead_archived = factories.SourceFactory(health=Health.DEAD, archive_url="http://web.archive.org/web/1/x")
    alive = factories.SourceFactory(health=Health.OK)
    all_dead = factories.EvidenceFactory(source=dead).claim
    factories.EvidenceFactory(claim=factories.EvidenceFactory(source=dead).claim, source=alive)
    archived = factories.EvidenceFactory(source=dead_archived).claim
    refuting_dead = factories.EvidenceFactory(source=dead, stance=Stance.REFUTES).claim
    factories.ClaimFactory()  # no evidence at all: nothing to flag
    assert set(claims_needing_attention()) == {all_dead, refuting_dead}
    assert archived not in claims_needing_attention()


def test_management_command_prints_a_summary(farm, capsys):
    ok = factories.SourceFactory(url=farm.url("/ok"))
    gone = factories.SourceFactory(url=farm.url("/status/410"))
    call_command("check_sources", "--source", str(ok.id), str(gone.id))
    out, err = capsys.readouterr()
    assert "2/2" in err
    assert "ok" in out
    assert "not_found" in out
    assert "2 checked" in out
    call_command("check_sources", "--all", "--run-key", "cmd-all")
    assert LinkCheck.objects.filter(run_key="cmd-all").count() == 2
    call_command("check_sources", "--due", "--no-progress")
    assert "0 checked" in capsys.readouterr().out


def test_management_command_refuses_unknown_ids():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No source with id 999999"):
        call_command("check_sources", "--source", "999999")


def test_admin_check_now_action(farm, admin_client):
    source = factories.SourceFactory(url=farm.url("/moved"))
    response = admin_client.post(
        "/admin/sources/source/", {"action": "check_now", "_selected_action": [source.id]}, follow=True
    )
    assert response.status_code == 200
    assert "Checked 1 source: 1 Redirected (permanent)." in response.content.decode()
    source.refresh_from_db()
    assert source.final_url == farm.url("/ok")
    listing = admin_client.get("/admin/sources/source/").content.decode()
    assert "moved to" in listing
