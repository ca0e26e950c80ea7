"""The metric registry: which question, which answers count as positive, which leave the base."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from locales.i18n import NP_, pgettext
from surveys.registry import load_registry
from surveys.scales import EXCLUDED_FROM_BASE

GROUPS = ("worker", "resident")
GROUP_SURVEYS = {"worker": "worker-voice", "resident": "community-voice"}
GROUP_LABELS = {
    "worker": NP_("group", "sex workers"),
    "resident": NP_("group", "residents"),
}

#: Positive answers by scale (DOMAIN.md §1-2): "agree" = strongly + tend to agree, and so on.
POSITIVE_BY_SCALE = {
    "agree": frozenset({"strongly_agree", "tend_agree"}),
    "rating5": frozenset({"excellent", "good"}),
    "likely": frozenset({"very_likely", "fairly_likely"}),
    "safe": frozenset({"very_safe", "fairly_safe"}),
    "yesno": frozenset({"yes"}),
}

#: The short names shown in reports, keyed by question id.
METRIC_LABELS = {
    "confidence": NP_("metric", "Confidence in the police"),
    "good_job": NP_("metric", "Police doing a good job"),
    "relied_on": NP_("metric", "Can be relied on"),
    "respect": NP_("metric", "Would treat you with respect"),
    "fair": NP_("metric", "Treat everyone fairly"),
    "understand": NP_("metric", "Understand local issues"),
    "matter": NP_("metric", "Deal with what matters"),
    "listen": NP_("metric", "Listen to concerns"),
    "informed": NP_("metric", "Feel well informed"),
    "would_report": NP_("metric", "Would report a crime"),
    "safe_to_report": NP_("metric", "Safe to report"),
    "share_consent": NP_("metric", "Would share an account"),
    "know_swlo": NP_("metric", "Know how to contact the liaison officer"),
    "feel_safe_dark": NP_("metric", "Feel safe after dark"),
}
TRUST_INDEX = "trust_index"
TRUST_INDEX_LABEL = NP_("metric", "Trust index (0-100)")


@dataclass(frozen=True, slots=True)
class Metric:
    id: str
    group: str
    survey: str
    question: str
    positive: frozenset[str]
    excluded: frozenset[str]

    @property
    def label(self) -> str:
        return pgettext("metric", METRIC_LABELS[self.question])


@lru_cache(maxsize=1)
def metrics() -> tuple[Metric, ...]:
    """Every proportion metric for both groups, from the definitions: a question counts when
    it is labelled above and its scale has a defined positive answer."""
    found = []
    registry = load_registry()
    for group in GROUPS:
        survey = registry[GROUP_SURVEYS[group]]
        for question in survey.questions.values():
            if question.id not in METRIC_LABELS:
                continue
            if question.scale in POSITIVE_BY_SCALE:
                positive = POSITIVE_BY_SCALE[question.scale]
            elif question.id == "share_consent":
                positive = frozenset({"yes"})
            else:
                continue
            found.append(
                Metric(
                    id=question.id,
                    group=group,
                    survey=survey.slug,
                    question=question.id,
                    positive=positive,
                    # "Not sure" is a don't-know by another name: out of the base as well.
                    excluded=frozenset(EXCLUDED_FROM_BASE | {"not_sure"}),
                )
            )
    return tuple(found)


def metrics_for(group: str) -> list[Metric]:
    return [metric for metric in metrics() if metric.group == group]


def group_label(group: str) -> str:
    return pgettext("group", GROUP_LABELS[group])
