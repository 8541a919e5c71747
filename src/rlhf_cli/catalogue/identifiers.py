"""The identifiers researchers actually have, read in every spelling they come in.

One place for what was written three to five times across the importer, lint, validation and
lookups: an arXiv id from a bare id, `arXiv:`, a versioned id or an abs/pdf/html/alphaxiv URL;
the year an arXiv id gives (`9912.12345` is 1999, not 2099); a DOI; an OpenReview id; a URL in a
form for comparing links; and a name as people type it (case, spaces, hyphens, British spellings).
Pure functions: no catalogue, no I/O.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

# New-style arXiv ids (since April 2007): YYMM.NNNN (to 2014) or YYMM.NNNNN, maybe versioned.
_ARXIV_ID = r"(?P<id>(?P<yy>\d{2})(?P<mm>0[1-9]|1[0-2])\.\d{4,5})(?:v\d+)?"
_BARE_ARXIV = re.compile(rf"^(?:arxiv\s*:\s*)?{_ARXIV_ID}$", re.I)
_ARXIV_URL = re.compile(
    rf"(?:arxiv\.org|alphaxiv\.org|export\.arxiv\.org)/(?:abs|pdf|html|overview)/{_ARXIV_ID}(?:\.pdf)?(?:[/?#]|$)",
    re.I,
)
_DOI = re.compile(r"^(?:doi\s*:\s*|https?://(?:dx\.)?doi\.org/)?(?P<doi>10\.\d{4,9}/\S+)$", re.I)
_OPENREVIEW = re.compile(r"openreview\.net/(?:forum|pdf)\?(?:.*&)?id=(?P<id>[A-Za-z0-9_-]+)", re.I)
# arXiv's new-style ids began in April 2007; an id with a YY before that cannot be new-style.
_FIRST_NEW_STYLE = (7, 4)


def arxiv_id(text: str) -> str | None:
    """The arXiv id (without version) in a bare id, `arXiv:` id or arXiv-style URL; else None."""
    text = text.strip()
    match = _BARE_ARXIV.match(text) or _ARXIV_URL.search(text)
    if match is None:
        return None
    return match.group("id") if arxiv_year(match.group("id")) is not None else None


def arxiv_year(identifier: str) -> int | None:
    """The year of a new-style arXiv id, or None if no such id can exist.

    New-style ids began in April 2007 with four digits after the dot and have had five since
    January 2015; a YYMM in the future is no id either. So `9912.12345` is neither 1999 (old-style
    ids read like hep-th/9912123) nor 2099: it gives no year.
    """
    match = re.fullmatch(r"(\d{2})(\d{2})\.(\d{4,5})", identifier)
    if match is None:
        return None
    yy, mm, digits = int(match.group(1)), int(match.group(2)), len(match.group(3))
    if not 1 <= mm <= 12 or (yy, mm) < _FIRST_NEW_STYLE or (digits == 5) != ((yy, mm) >= (15, 1)):
        return None
    today = datetime.date.today()
    if (2000 + yy, mm) > (today.year, today.month):
        return None
    return 2000 + yy


def doi(text: str) -> str | None:
    """The DOI in `10.x/y`, `doi:10.x/y` or a doi.org URL, case-folded (DOIs ignore case); else None."""
    match = _DOI.match(text.strip())
    return match.group("doi").rstrip(".").casefold() if match else None


def openreview_id(text: str) -> str | None:
    """The forum id of an OpenReview forum or PDF URL; else None."""
    match = _OPENREVIEW.search(text.strip())
    return match.group("id") if match else None


def normal_url(url: str) -> str:
    """A form of a URL for comparing links: no scheme or `www.`, case-folded, no trailing slash or `.git`."""
    bare = url.strip().split("://", 1)[-1]
    bare = bare.removeprefix("www.").rstrip("/")
    return bare.removesuffix(".git").casefold()


# The commonest British spellings of the field's words, read as the American ones.
_SPELLINGS = {
    "optimisation": "optimization",
    "optimise": "optimize",
    "optimised": "optimized",
    "optimising": "optimizing",
    "generalisation": "generalization",
    "regularisation": "regularization",
    "summarisation": "summarization",
    "summarise": "summarize",
    "behaviour": "behavior",
    "behavioural": "behavioral",
    "modelling": "modeling",
    "labelling": "labeling",
    "labelled": "labeled",
    "alignement": "alignment",
}


# -isation is British for -ization in every word of the field (over-optimisation, tokenisation...).
_ISATION = re.compile(r"isation(s?)$")


def name_key(text: str) -> str:
    """A name as people type it, for lookups: case, accents, punctuation, spaces and hyphens
    folded, British spellings read as American (`"Constitutional-AI"`, `"constitutional ai"`
    and `"ConstitutionalAI"` differ only in spacing, which is dropped)."""
    if text.isascii():  # most names: nothing to decompose (a store's build folds every name)
        folded = text.lower()
    else:
        folded = unicodedata.normalize("NFKD", text.casefold())
        folded = "".join(char for char in folded if not unicodedata.combining(char))
    return "".join(_american(word) for word in _WORD.findall(folded))


_WORD = re.compile(r"\w+")


def _american(word: str) -> str:
    if word in _SPELLINGS:
        return _SPELLINGS[word]
    return _ISATION.sub(r"ization\1", word) if "isation" in word else word


_CITEKEY = re.compile(r"[a-z]+\d{4}[a-z]+")


def entry_keys(names: list[str], urls: list[str], arxiv: str | None, citekey: str) -> set[str]:
    """The lookup keys an entry answers to besides its exact names: each name as people type it
    (and the lead of a title before its colon), its arXiv id, DOI and OpenReview id (from `arxiv`
    and its links), each link, and its citekey."""
    keys = {f"name:{key}" for key in map(name_key, names) if key}
    # A title's lead before its colon ("Direct Preference Optimization" of DPO's paper).
    keys |= {f"lead:{key}" for name in names if ":" in name and (key := name_key(name.partition(":")[0]))}
    if arxiv:
        keys.add(f"arxiv:{arxiv}")
    for url in urls:
        keys.add(f"url:{normal_url(url)}")
        for prefix, found in (("arxiv", arxiv_id(url)), ("doi", doi(url)), ("openreview", openreview_id(url))):
            if found:
                keys.add(f"{prefix}:{found}")
    if citekey:
        keys.add(f"cite:{citekey.casefold()}")
    return keys


def query_keys(text: str) -> list[str]:
    """The lookup keys a typed `text` may stand for, surest first (see `entry_keys`)."""
    text = text.strip()
    keys: list[str] = []
    for prefix, found in (("arxiv", arxiv_id(text)), ("doi", doi(text)), ("openreview", openreview_id(text))):
        if found:
            keys.append(f"{prefix}:{found}")
    if "://" in text or text.casefold().startswith("www."):
        keys.append(f"url:{normal_url(text)}")
    folded = text.casefold()
    if _CITEKEY.fullmatch(folded):
        # A citekey as `rlhf cite` printed it, perhaps with the a/b/... it got beside another.
        keys += [f"cite:{folded}", *(f"cite:{folded[:-n]}" for n in (1, 2) if folded[-n - 1].isalpha())]
    name = name_key(text)
    if name:
        keys += [f"name:{name}", f"lead:{name}"]
    return list(dict.fromkeys(keys))


_CODE_HOST = re.compile(
    r"^https?://(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co)/(?P<owner>[A-Za-z0-9_.-]+)/", re.I
)


def code_owner(url: str) -> str | None:
    """The account that owns a GitHub, GitLab or Hugging Face repository (a lab's, often)."""
    match = _CODE_HOST.match(url.strip())
    return match.group("owner") if match else None
