import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from claims.choices import ClaimStatus, Stance, Verdict
from claims.models import Article, Claim, Evidence, ExternalReview
from sources.choices import Outcome
from sources.models import LinkCheck, Source

PASSWORD = "correct horse battery staple"


def role_group(name: str) -> Group:
    """A role group as the migration made it. Transactional tests flush every table, the migration's rows
    included, so make the groups again when an earlier test took them away."""
    group = Group.objects.filter(name=name).first()
    if group is None:
        from django.apps import apps

        from claims.groups import sync_groups

        sync_groups(apps)
        group = Group.objects.get(name=name)
    return group


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*(role_group(name) for name in extracted))


class ReviewerFactory(UserFactory):
    is_staff = True
    groups = factory.PostGeneration(
        lambda user, create, extracted, **kw: create and user.groups.add(role_group("Reviewer"))
    )


class ResearcherFactory(UserFactory):
    groups = factory.PostGeneration(
        lambda user, create, extracted, **kw: create and user.groups.add(role_group("Researcher"))
    )


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    url = factory.Sequence(lambda n: f"https://news.example.org/story/{n}")
    title = factory.Sequence(lambda n: f"Story {n}")
    outlet = "Example News"
    language = "en"
    published_at = factory.LazyFunction(timezone.now)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://source.example.org/page/{n}")
    title = factory.Sequence(lambda n: f"Source page {n}")


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    article = factory.SubFactory(ArticleFactory)
    quote = factory.Sequence(lambda n: f"Quoted sentence number {n}.")
    text = factory.Sequence(lambda n: f"Checkable statement number {n}.")
    language = "en"
    claimant = "Example claimant"
    verdict = Verdict.UNRATED
    status = ClaimStatus.DRAFT


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory)
    stance = Stance.SUPPORTS


class PublishedClaimFactory(ClaimFactory):
    """A claim that meets the publishing rule: verdict, explanation and one piece of evidence."""

    class Meta:
        skip_postgeneration_save = True  # the evidence is created after the claim; nothing on the claim changes

    verdict = Verdict.FALSE
    explanation = "The cited source says otherwise."
    status = ClaimStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    reviewed_at = factory.LazyFunction(timezone.now)
    evidence = factory.RelatedFactory(EvidenceFactory, factory_related_name="claim")


class ExternalReviewFactory(factory.django.DjangoModelFactory):
    """Another desk's review of a claim, as an import keeps it."""

    class Meta:
        model = ExternalReview

    claim = factory.SubFactory(PublishedClaimFactory)
    url = factory.Sequence(lambda n: f"https://factcheck.example/reviews/{n}")
    claim_reviewed = factory.LazyAttribute(lambda o: o.claim.text)
    publisher_name = "Example Fact Check"
    publisher_url = "https://factcheck.example/"
    rating_text = "False"
    verdict = Verdict.FALSE
    reviewed_at = factory.LazyFunction(timezone.now)
    language = "en"
    raw = factory.LazyAttribute(lambda o: {"@type": "ClaimReview", "url": o.url, "claimReviewed": o.claim_reviewed})


class LinkCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LinkCheck

    source = factory.SubFactory(SourceFactory)
    run_key = factory.Sequence(lambda n: f"run-{n}")
    checked_at = factory.LazyFunction(timezone.now)
    outcome = Outcome.OK
    http_status = 200
