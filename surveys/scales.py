"""The named answer scales shared by every questionnaire (values are stable report keys)."""

from __future__ import annotations

from types import MappingProxyType

from locales.i18n import NP_

# Labels are English source text, translated at render time with the "scale" context; the
# NP_ marker only tells the extractor (babel.cfg) where they are.


SCALE_CONTEXT = "scale"

DONT_KNOW = ("dont_know", NP_("scale", "Don't know"))
PREFER_NOT = ("prefer_not", NP_("scale", "Prefer not to say"))

#: Answers that never count in a percentage's base (Home Office table conventions).
EXCLUDED_FROM_BASE = frozenset({"dont_know", "prefer_not"})

SCALES: MappingProxyType[str, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        "agree": (
            ("strongly_agree", NP_("scale", "Strongly agree")),
            ("tend_agree", NP_("scale", "Tend to agree")),
            ("tend_disagree", NP_("scale", "Tend to disagree")),
            ("strongly_disagree", NP_("scale", "Strongly disagree")),
            DONT_KNOW,
            PREFER_NOT,
        ),
        "rating5": (
            ("excellent", NP_("scale", "Excellent")),
            ("good", NP_("scale", "Good")),
            ("fair", NP_("scale", "Fair")),
            ("poor", NP_("scale", "Poor")),
            ("very_poor", NP_("scale", "Very poor")),
            DONT_KNOW,
            PREFER_NOT,
        ),
        "likely": (
            ("very_likely", NP_("scale", "Very likely")),
            ("fairly_likely", NP_("scale", "Fairly likely")),
            ("fairly_unlikely", NP_("scale", "Fairly unlikely")),
            ("very_unlikely", NP_("scale", "Very unlikely")),
            DONT_KNOW,
            PREFER_NOT,
        ),
        "often": (
            ("very_often", NP_("scale", "Very often")),
            ("fairly_often", NP_("scale", "Fairly often")),
            ("not_very_often", NP_("scale", "Not very often")),
            ("not_at_all_often", NP_("scale", "Not at all often")),
            DONT_KNOW,
            PREFER_NOT,
        ),
        "safe": (
            ("very_safe", NP_("scale", "Very safe")),
            ("fairly_safe", NP_("scale", "Fairly safe")),
            ("a_bit_unsafe", NP_("scale", "A bit unsafe")),
            ("very_unsafe", NP_("scale", "Very unsafe")),
            DONT_KNOW,
            PREFER_NOT,
        ),
        "problem": (
            ("big_problem", NP_("scale", "A big problem")),
            ("fairly_big", NP_("scale", "A fairly big problem")),
            ("not_very_big", NP_("scale", "Not a very big problem")),
            ("not_a_problem", NP_("scale", "Not a problem at all")),
            DONT_KNOW,
            PREFER_NOT,
        ),
        "yesno": (
            ("yes", NP_("scale", "Yes")),
            ("no", NP_("scale", "No")),
            PREFER_NOT,
        ),
        "area_extra": (
            ("elsewhere", NP_("scale", "Somewhere else")),
            ("not_sure", NP_("scale", "Not sure")),
            PREFER_NOT,
        ),
    }
)

#: Agreement scores for the trust index: 0 strongly disagree ... 100 strongly agree.
AGREE_SCORES: MappingProxyType[str, int] = MappingProxyType(
    {"strongly_agree": 100, "tend_agree": 67, "tend_disagree": 33, "strongly_disagree": 0}
)
