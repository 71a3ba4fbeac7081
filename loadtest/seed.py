"""The load database: migrated, the demo data loaded through the services, then scaled up with generated claims.

Generated claims are written with bulk_create (one INSERT per thousand rows); PostgreSQL's trigger computes their
search vector as on every write (claims.search.schema), so search is as selective as on real data. They get no
history rows: they are seed data, not edits (the run's writes go through the API and the services).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

EN_SUBJECTS = [
    "The ministry",
    "OpenAI",
    "The central bank",
    "A viral post",
    "The mayor",
    "The company",
    "Researchers",
    "The health agency",
    "A senator",
    "The airline",
]
EN_VERBS = ["said", "claimed", "announced", "reported", "denied", "suggested"]
EN_OBJECTS = [
    "unemployment fell to {n}% in March",
    "the model renders 1080p video in {n} seconds",
    "{n} million people were vaccinated",
    "prices rose {n}% last year",
    "the bridge cost ${n} billion",
    "Sora was trained on {n} thousand hours of video",
    "inflation is lower than in {n} countries",
    "the river rose {n} metres overnight",
]
ZH_SUBJECTS = ["官方", "该公司", "一位网友", "研究人员", "市政府", "报道", "发言人", "专家"]
ZH_OBJECTS = [
    "失业率在三月降至{n}%",
    "生成一段视频只需{n}秒",
    "投资了{n}亿美元",
    "处理时间缩短了{n}倍",
    "超过{n}万人参加了活动",
    "模型支持1080p输出，处理时间{n}分钟",
    "房价去年上涨{n}%",
    "该视频生成器泄露后{n}小时内下线",
]
VERDICTS = ["true", "mostly_true", "mixed", "mostly_false", "false", "misleading", "unverifiable"]
HEALTH = ["ok"] * 8 + ["failing", "dead", "unknown"]


@dataclass
class Seeded:
    published_ids: list[int]
    writable_ids: list[int]
    reviewer_token: str
    claims: int


def _text(rng: random.Random) -> tuple[str, str, str]:
    n = rng.randint(2, 999)
    if rng.random() < 0.5:
        return ("zh", f"{rng.choice(ZH_SUBJECTS)}称{rng.choice(ZH_OBJECTS).format(n=n)}。", rng.choice(ZH_SUBJECTS))
    return (
        "en",
        f"{rng.choice(EN_SUBJECTS)} {rng.choice(EN_VERBS)} {rng.choice(EN_OBJECTS).format(n=n)}.",
        rng.choice(EN_SUBJECTS),
    )


def seed(*, claims: int, log=print) -> Seeded:
    """Bring the database (already selected by DATABASE_URL) to at least `claims` generated claims."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from claims.choices import ClaimStatus
    from claims.models import Article, Claim, Evidence
    from sources.models import Source

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)
    generated = Claim.objects.filter(claimant__startswith="load:").count()
    rng = random.Random(20241127 + generated)
    if generated < claims:
        now = timezone.now()
        with transaction.atomic():
            articles = Article.objects.bulk_create(
                [
                    Article(
                        url=f"https://load.example.org/{generated}/article/{i}",
                        title=f"Load article {i} 报道",
                        language="en" if i % 2 else "zh",
                        published_at=now,
                    )
                    for i in range(200)
                ]
            )
            sources = Source.objects.bulk_create(
                [
                    Source(
                        url=f"https://src{i % 97}.example.org/{generated}/{i}",
                        domain=f"src{i % 97}.example.org",
                        title=f"Source {i}",
                        health=rng.choice(HEALTH),
                    )
                    for i in range(2000)
                ]
            )
        todo = claims - generated
        for start in range(0, todo, 1000):
            batch = []
            for _ in range(min(1000, todo - start)):
                language, text, claimant = _text(rng)
                article = rng.choice(articles)
                published = rng.random() < 0.8
                claim = Claim(
                    article=article,
                    text=text,
                    quote=text,
                    language=language,
                    claimant=f"load:{claimant}",
                    verdict=rng.choice(VERDICTS),
                    explanation="Generated for the load test.",
                    status=ClaimStatus.PUBLISHED if published else ClaimStatus.DRAFT,
                    reviewed_at=now,
                    published_at=now if published else None,
                )
                batch.append(claim)
            with transaction.atomic():
                created = Claim.objects.bulk_create(batch)
                Evidence.objects.bulk_create([Evidence(claim=c, source=rng.choice(sources)) for c in created])
            log(f"seeded {start + len(batch)}/{todo} claims")
    reviewer, _ = get_user_model().objects.get_or_create(username="load-reviewer", defaults={"is_staff": True})
    reviewer.groups.add(Group.objects.get(name="Reviewer"))
    token, _ = Token.objects.get_or_create(user=reviewer)
    generated_claims = Claim.objects.filter(claimant__startswith="load:")
    published_ids = list(
        generated_claims.filter(status=ClaimStatus.PUBLISHED).order_by("?").values_list("pk", flat=True)[:5000]
    )
    writable = list(
        generated_claims.filter(status=ClaimStatus.PUBLISHED).order_by("pk").values_list("pk", flat=True)[:10]
    )
    log(f"load database ready: {generated_claims.count()} generated claims ({time.monotonic() - started:.0f} s)")
    return Seeded(
        published_ids=published_ids, writable_ids=writable, reviewer_token=token.key, claims=generated_claims.count()
    )
