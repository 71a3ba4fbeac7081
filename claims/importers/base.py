"""What every importer shares: the parsed-article dataclass, parse errors that name their field, text sniffing."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from claims.validators import validate_model_text

# Shown escaped in reports: controls (a terminal would obey an ESC sequence), lone surrogates (which cannot be
# written out as UTF-8 at all) and the controls that reorder a line. Tab and newline are kept.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text for a report, a terminal or a page: characters that would act rather than show are written as escapes."""
    return _UNPRINTABLE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


class ParseError(ValidationError):
    """Input that cannot be imported; `field` names the part of the input that is wrong."""

    def __init__(self, field_name: str, reason: str):
        # Reasons quote the input ("“…” is not a usable url"), which may hold anything.
        self.field = printable(field_name)
        self.reason = printable(reason)
        super().__init__(f"{self.field}: {self.reason}", code="parse")

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def check_text(model, values: dict, *, names: dict[str, str] | None = None) -> None:
    """The API's and the admin's text rules (claims.validators) for values an importer is about to write to `model`:
    a ParseError naming the first field at fault, in the input's own words where `names` gives them."""
    try:
        validate_model_text(model, values)
    except ValidationError as exc:
        field_name, messages = next(iter(exc.message_dict.items()))
        raise ParseError((names or {}).get(field_name, field_name), " ".join(messages)) from exc


def fetch_failure(result, *, what: str = "") -> str:
    """Why the safe fetcher brought back no text, in words (sources.choices.check_reason, as the link checks say
    it), with the HTTP status when there was one."""
    from sources.choices import SUCCESS_OUTCOMES, check_reason

    if result.outcome in SUCCESS_OUTCOMES and not result.error:
        reason = _("it is not a text page (content type %(type)s)") % {"type": result.content_type or _("unknown")}
    else:
        reason = check_reason(outcome=result.outcome, failure=result.failure, error=result.error)
        if result.http_status:
            reason = _("%(reason)s (HTTP %(status)s)") % {"reason": reason, "status": result.http_status}
    if what:
        return _("%(what)s could not be fetched: %(reason)s") % {"what": what, "reason": reason}
    return _("could not be fetched: %(reason)s") % {"reason": reason}


def describe(exc: ValidationError) -> str:
    """One readable line for a refused input or item: each field at fault and why."""
    if hasattr(exc, "error_dict"):
        text = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
    else:
        text = " ".join(exc.messages)
    return printable(text)


# Kept on the article for the claim page's evidence (Article.candidate_links); a page with more links than this is a
# link list, not an article, and the first ones are the text's own.
MAX_CANDIDATE_LINKS = 200


@dataclass
class CandidateLink:
    """A link found in an article's main text, offered to the reviewer as a possible source."""

    url: str
    text: str = ""


@dataclass
class ArticleData:
    """An article as read from a file or a page, before anything is written."""

    url: str
    title: str = ""
    author: str = ""
    outlet: str = ""
    published_at: datetime | None = None
    language: str = ""
    place: str = ""
    cover_image_url: str = ""
    body: str = ""
    links: list[CandidateLink] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    origin: str = ""  # "seed-markdown", "markdown", "html": which parser read it

    def model_fields(self) -> dict:
        """The Article fields this import sets (empty values are left out so a re-import never blanks a field)."""
        values = {
            "title": self.title[:500],
            "author": self.author[:255],
            "outlet": self.outlet[:255],
            "published_at": self.published_at,
            "language": self.language,
            "place": self.place[:255],
            "cover_image_url": self.cover_image_url,
            "body": self.body,
            "candidate_links": [
                {"url": link.url, "text": printable(link.text)[:500]} for link in self.links[:MAX_CANDIDATE_LINKS]
            ],
        }
        return {name: value for name, value in values.items() if value not in ("", None, [])}


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_text(data: bytes, *, what: str = "file") -> str:
    """Bytes to text, or a ParseError saying the input is not text (a binary file, an unknown encoding)."""
    if not data.strip():
        raise ParseError(what, _("it is empty"))
    nul = data.find(b"\x00")  # anywhere, not only near the start: PostgreSQL cannot store a NUL
    if nul >= 0:
        raise ParseError(
            what, _("it is a binary file, not text (it contains a NUL byte at byte %(at)s)") % {"at": f"{nul + 1:,}"}
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # gb18030 decodes almost any byte string; many control characters mean it was not text after all.
        if len(_CONTROL.findall(text[:8192])) > max(2, len(text[:8192]) // 100):
            break
        return text.replace("\r\n", "\n").replace("\r", "\n")
    raise ParseError(what, _("it is a binary file or not in a text encoding we read (UTF-8, GB18030)"))


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def guess_language(text: str) -> str:
    """A BCP 47 guess from the script alone; '' when the script does not tell (Latin could be any language)."""
    sample = text[:5000]
    letters = len(_HAN.findall(sample)) + len(_LATIN.findall(sample)) or 1
    if _KANA.search(sample) and len(_KANA.findall(sample)) * 20 > letters:
        return "ja"
    if len(_HANGUL.findall(sample)) * 5 > letters:
        return "ko"
    if len(_HAN.findall(sample)) * 3 > letters:
        return "zh"
    return ""


def clean_line(text: str) -> str:
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text)).strip()
