"""Three-way sentiment (positive / negative / neutral) of one piece of free-text feedback.

English is scored with TextBlob's bundled Pattern lexicon plus a lexicon of police-contact and
neighbourhood phrases, with rules for negation, intensifiers and reductions ("far fewer kerb
crawlers"). TextBlob's lexicon comes from product reviews: it gives 0.0 to most sentences about
police contact ("they ignored my report") and misreads some ("laughed at me" scores +0.7), so the
domain phrases are matched first and hidden from TextBlob, which then scores what is left.
French uses textblob-fr unchanged where it is installed. Every other language is reported as not
scored rather than given a made-up number.

The evaluation set, the measured accuracy and the limits are in docs/sentiment.md.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal

from textblob.en import sentiment as _pattern_sentiment

Label = Literal["positive", "negative", "neutral"]


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: Label
    polarity: float  # -1..1
    scored: bool  # False where the language has no analyser


# Chosen on the development half of tests/data/sentiment_eval.csv only (bench/sentiment_eval.py):
# accuracy there is flat from 0.1 to 0.15, and 0.1 keeps mildly worded praise and complaints.
POSITIVE_THRESHOLD: Final = 0.1
NEGATIVE_THRESHOLD: Final = -0.1
# Weight of TextBlob's polarity for the words left once the domain phrases are taken out.
PATTERN_WEIGHT: Final = 0.8

NOT_SCORED: Final = Sentiment(label="neutral", polarity=0.0, scored=False)

# A negated positive ("didn't help") is nearly as strong as the positive; a negated negative
# ("not rude") is only faint praise.
_NEGATED_POSITIVE: Final = 0.8
_NEGATED_NEGATIVE: Final = 0.6
_INTENSIFIED: Final = 1.3
# Harm done by an offender ("the man who robbed me") is background; the sentiment being measured
# is about what the police or the neighbourhood did.
_BACKSTORY: Final = 0.3
# What follows "but" is what the writer means ("I was scared at first but she was lovely").
_BEFORE_BUT: Final = 0.5
# "Some are good and some are not" is a neutral verdict, not a mild positive one.
_MIXED: Final = 0.1
_NEGATION_WINDOW: Final = 4
_REDUCTION_WINDOW: Final = 4


def _term(weight: float, *alternatives: str) -> tuple[float, str]:
    return weight, "|".join(alternatives)


_PRIVATE_PEOPLE = (
    "(?:landlord|landlady|family|parents|partner|husband|wife|boyfriend|girlfriend|employer|boss|"
    "neighbours?|kids|children|mum|dad|mother|father|school|college|university|work)"
)
_OFFENDER = (
    "(?:him|them|someone|the (?:man|men|guy|bloke|client|punter|driver|attacker|offender|thief|"
    "robber|person|culprit|stalker|dealers?))"
)
_ME = "(?:me|us|her|my friend|the girls|the women)"

# The domain lexicon: regular expressions over normalised lower-case text (apostrophes kept, see
# _normalise), with a weight each. Where two entries match at the same place the earlier one
# wins, so phrases come before the words inside them. Weight 0.0 hides a phrase from TextBlob
# without scoring it: "a clean up on Saturday" is an event and "this kind of thing" is not kind.
_LEXICON: Final[tuple[tuple[float, str], ...]] = (
    # Not sentiment, in this domain.
    _term(
        0.0,
        r"needle (?:bins?|exchanges?|disposal)",
        r"sharps bins?",
        r"clean[- ]ups?(?= day| on| event)",
        r"after dark",
        r"(?:late|last|at) night",
        r"most of the time",
        r"on my own",
        r"(?:this |that |what |some |any |a )?(?:kinds?|sorts?) of",
        r"(?:health|social|after|in|take|taking|child|medical) care",
    ),
    _term(
        -0.6,
        r"(?:got|given|issued|gave (?:me|us)|handed (?:me|us)?) (?:a |another )?(?:fine|ticket)",
    ),
    _term(0.4, r"(?:would|will|could) not tell anyone", r"(?:wouldn't|won't|didn't) tell anyone"),
    # Idioms, whose words mislead one by one ("couldn't have been nicer" is not a negation).
    _term(
        0.8,
        r"(?:couldn't|could not|can't) (?:have )?(?:been )?(?:nicer|kinder|better|more \w+)",
        r"(?:couldn't|could not|can't) (?:have )?(?:asked for (?:more|better|anything more)|"
        r"do enough|fault (?:it|them|her|him))",
        r"above and beyond",
        r"out of (?:her|his|their|the) way",
        r"bent over backwards",
        r"the extra mile",
        r"second to none",
        r"over the moon",
        r"made my day",
        r"breath of fresh air",
        r"peace of mind",
        r"weight off (?:my|our) (?:mind|shoulders)",
        r"a lifeline",
        r"(?:a|top|high|real) priority",
        r"(?:approach|scheme|plan|system|strategy|patrols?|changes?|zone|it) (?:is|are|has been|"
        r"have been|seems to be|seem to be) working",
        r"works well",
    ),
    _term(
        -0.7,
        r"fell on deaf ears",
        r"slipped through the (?:net|cracks)",
        r"slap in the face",
        r"last straw",
        r"beggars belief",
        r"no idea what (?:they|he|she) (?:was|were) doing",
        r"pillar to post",
        r"long grass",
        r"under the (?:carpet|rug)",
        r"not worth (?:it|the hassle|reporting|bothering)",
        r"no[- ]go(?: zone| area)?",
        r"waste of space",
        r"(?:had|have) to keep (?:ringing|calling|phoning|asking|chasing)",
        r"(?:had|have) to chase",
        r"chas(?:e|ed|ing) (?:them|it|up)",
    ),
    _term(0.7, r"(?:put|puts|putting) (?:me|us) at ease", r"at ease"),
    _term(0.5, r"no (?:issues|problems)(?: at all)?"),
    _term(
        -0.7,
        r"(?:my|our|the) fault",
        r"blam(?:ed|ing|e) (?:me|us|her|the victim)",
        r"victim[- ]blam\w*",
        r"asking for it",
        r"deserved it",
        r"brought it on (?:myself|ourselves|herself)",
    ),
    _term(
        -0.6,
        r"(?:asked|wanted to know) (?:me |us )?(?:if|whether) (?:i|we|she) (?:had|have|has) "
        r"(?:papers|a visa|documents|status|the right to)",
        r"asked (?:me |us )?where (?:i|we|she) (?:was|am|were|are|is|came|come) from",
    ),
    _term(
        0.7,
        r"nothing (?:bad|negative|wrong) to say",
        r"no complaints?",
        r"can't fault",
        r"no (?:more|longer any) (?:problems?|issues?|trouble)",
    ),
    # Failures to respond, which carry their own negation.
    _term(
        -0.7,
        r"(?:no ?one|nobody|no officers?|no police|never|didn't|did not|not|never once|wouldn't) "
        r"(?:ever |even |actually |bothered to )?(?:came|come|comes|turned up|showed up|turn up|"
        r"show up|arrived|attended|bothered|responded|respond|got back|answered|picked up)",
    ),
    _term(
        -0.5,
        r"(?:never|nobody|no ?one|didn't|did not|not|never once) (?:\w+ ){0,2}?(?:told|tell|"
        r"informed|updated|contacted|explained) (?:me|us)",
    ),
    _term(
        -0.7,
        r"(?:didn't|did not|don't|do not|won't|wouldn't|never|not|no ?one|nobody|couldn't|"
        r"could not|can't|unable to|not able to|wasn't able to|weren't able to) "
        r"(?:even |really |ever |actually )?help(?:ed)?\b(?! (?:me|us) (?:with|to))",
        r"no help",
        r"(?:never|not|nobody|no ?one) (?:\w+ )?(?:around|there|here|available|about) when",
        r"nowhere to be seen",
        r"not helpful at all",
        r"of no help",
    ),
    _term(
        -0.7,
        r"nothing (?:has |was |had |got |is |is being |have |ever )?(?:been )?(?:done|changed|"
        r"changes|happened|happens|came of it|sorted|improved)",
        r"(?:did|do|does|doing) (?:absolutely |literally )?nothing",
        r"(?:did|do|does|doing) (?:sod|bugger|fuck) all",
        r"nothing but",
        r"excuses",
        r"nothing (?:they|anyone|we|i) (?:could|can|would|will) do",
        r"(?:went|goes|led|leads|going|got) nowhere",
        r"never leads? to anything",
        r"(?:came|come|comes|amounted) to nothing",
        r"(?:empty|broken) promises?",
        r"waste of (?:my |our |their |your |police )?time",
        r"wasting (?:my |our |their |your |police )?time",
    ),
    _term(
        -0.6,
        r"no (?:response|reply|replies|answer|update|updates|feedback|follow[- ]up|action|"
        r"arrests?|one to talk to|support|protection|justice|interest)",
        r"not (?:a |our |their )?priority",
    ),
    # Being taken seriously, believed, listened to.
    _term(
        0.8,
        r"(?:took|take|takes|taken|taking) (?:me|us|it|this|that|my \w+|our \w+|what i said|"
        r"what happened)(?: (?:very|really|so|more))? seriously",
        r"seriously (?:they |he |she )?(?:took|take|taken|takes)(?: (?:it|me|us|this|my \w+))?",
        r"taken seriously",
    ),
    _term(
        0.7,
        r"(?:believed|believe|believes) (?:me|us|what i said|my|her|him)",
        r"(?:felt|was|were|been|being|am|feel) believed",
    ),
    _term(-0.7, r"disbeliev\w*", r"(?:didn't|did not|don't|wouldn't) believe"),
    _term(
        0.6,
        r"listen(?:ed|s|ing)?(?: to (?:me|us|my|our|what|residents|people|them|the community))?",
        r"(?:felt|feel|was|were) (?:listened to|heard)",
    ),
    # Feeling safe, respected, judged.
    _term(
        0.7,
        r"(?:feel|felt|feeling|feels|made (?:me|us) feel|makes? (?:me|us) feel) (?:a lot |a bit |"
        r"much |so |very |really |more |far |totally |completely )?(?:safe|safer|secure|"
        r"comfortable|at ease|reassured|supported|respected|protected|welcome|valued|cared for)",
    ),
    _term(
        -0.9,
        r"(?:treated|treat|treats|treating|made (?:me|us) feel|make (?:me|us) feel|felt|feel|"
        r"looked at (?:me|us)) (?:\w+ )?like (?:a |an |we were |i was )?(?:criminals?|"
        r"pieces? of (?:shit|dirt|rubbish)|dirt|rubbish|scum|suspects?|liars?|nothing|idiots?|"
        r"animals?|trash|a joke|a nuisance|the problem|i was lying|i was the criminal)",
    ),
    _term(
        0.7,
        r"(?:treated|treat|treats) (?:\w+ )?like (?:a )?(?:human(?: beings?)?|a person|people|"
        r"anyone else|everyone else|an adult)",
    ),
    _term(
        0.8,
        r"(?:treated|treat|treats|treating) (?:\w+ )?(?:with|with real|with such) (?:respect|"
        r"dignity|kindness|care|compassion)",
    ),
    _term(-0.8, r"disrespect\w*", r"no respect"),
    _term(0.6, r"respect(?:ed|ful|fully|s)?"),
    _term(0.7, r"non[- ]?judg(?:e)?mental"),
    _term(-0.6, r"judg(?:e)?mental", r"judged", r"judging", r"judge (?:me|us)", r"judgement"),
    _term(
        -0.8,
        r"(?:made|make|makes) (?:me|us) feel (?:like )?(?:small|stupid|dirty|ashamed|worthless|"
        r"unsafe|scared|guilty|judged|a nuisance|humiliated)",
    ),
    _term(
        -0.6,
        r"(?:treated|treat|treats|treating) (?:\w+ ){0,2}?(?:differently|unfairly|badly|worse)",
        r"(?:know|knows|knew) nothing",
    ),
    # Ridicule, hostility, force, threats.
    _term(
        -0.8,
        r"(?:laughed|laughing|laugh|laughs|sniggered|sniggering|smirked|smirking|sneered|"
        r"jeered) (?:at|about)",
        r"mak(?:e|es|ing) fun of",
        r"made fun of",
        r"mocked",
        r"mocking",
        r"t(?:ook|aking) the piss",
        r"(?:made|making|make) (?:\w+ )?jokes?",
        r"jok(?:ed|ing|es?) about",
    ),
    _term(-0.8, r"threat(?:en|ened|ening|ens|s)?"),
    _term(
        -0.7,
        r"intimidat\w*",
        r"bull(?:y|ied|ying)",
        r"harr?ass\w*",
        r"hassl\w*",
        r"victimi[sz]\w*",
        r"profil(?:ed|ing)",
        r"picked on",
        r"targeted",
        r"abusive",
        r"abused",
    ),
    _term(
        -0.7,
        r"rude(?:ly|ness)?",
        r"aggressive(?:ly)?",
        r"hostile",
        r"dismissive(?:ly)?",
        r"dismissed",
        r"patroni[sz]\w*",
        r"condescending",
        r"belittl\w*",
        r"sarcastic",
        r"arrogant",
        r"cold",
        r"cruel",
        r"heartless",
        r"unprofessional",
    ),
    _term(
        -0.7,
        r"humiliat\w*",
        r"degrad(?:ed|ing)",
        r"embarrass\w*",
        r"ashamed",
        r"sham(?:ed|ing)",
        r"stigma\w*",
    ),
    _term(
        -0.7,
        r"(?:shouted|yelled|screamed|swore|swearing) at",
        r"(?:shouting|yelling|screaming) at (?:me|us|her)",
        r"pushed",
        r"shoved",
        r"manhandled",
        r"roughed up",
        r"roughly",
        r"pinned",
        r"slapped",
        r"punched",
        r"kicked",
        r"(?:called|calling|call) (?:me|us|her|them) (?:names|a \w+)",
        r"sexual comments?",
    ),
    _term(
        -0.7,
        r"ignor(?:ed|ing|es|e)",
        r"brushed (?:me |us |it )?off",
        r"fobbed (?:me |us )?off",
        r"palmed (?:me |us )?off",
        r"refus(?:ed|e|es|ing)",
        r"wouldn't (?:even )?take",
        r"didn't (?:even )?want to know",
    ),
    # Being outed or exposed; questions about immigration status.
    _term(
        -0.8,
        r"outed",
        r"outing (?:me|us)",
        r"out(?:ed)? (?:me|us) to",
        r"exposed (?:me|us)",
        r"recogni[sz]e (?:me|us)",
        r"identif(?:y|ied) (?:me|us)",
        r"(?:told|tell|informed|contacted|called|rang|wrote to|visited|phoned|letter to) "
        r"(?:my|our) " + _PRIVATE_PEOPLE,
    ),
    _term(
        -0.7,
        r"(?:passed|passing|shared|sharing|gave|giving|leaked|handed) (?:on )?(?:my|our) "
        r"(?:details|name|address|information|info|number|photo|picture)",
    ),
    _term(-0.5, r"(?:my|our|her) (?:real|legal|full|actual|proper) names?"),
    _term(
        0.7,
        r"(?:protected|protect|kept|keep|keeping) (?:my|our) (?:identity|name|details|privacy|"
        r"information|info|address)",
        r"(?:kept|keep) (?:it|things|everything) (?:confidential|private|discreet)",
        r"discreet",
        r"confidential(?:ly)?",
    ),
    _term(
        -0.7,
        r"(?:asked|ask|asking|asks|questioned|questioning|questions?|interested in|checked|"
        r"checking|wanted to see) (?:me |us )?(?:about |for |on |over )?(?:my |our |her )?"
        r"(?:visa|immigration(?: status)?|papers|passport|status|right to (?:work|remain)|"
        r"nationality|documents)",
    ),
    _term(
        -0.5,
        r"immigration",
        r"home office",
        r"deport\w*",
        r"border force",
        r"detention cent(?:re|er)",
    ),
    # Sanctions against the person writing (or a colleague), and action against offenders.
    _term(
        -0.7,
        r"(?:i|we|she|you|my (?:mate|friend|friends|colleague|flatmate|partner|maid|receptionist|"
        r"sister)) (?:was|were|got|have been|had been|been|get) (?:\w+ )?(?:arrested|cautioned|"
        r"fined|charged|nicked|detained|handcuffed|cuffed|locked up|moved on|strip searched)",
        r"(?:kept|held|locked|put) (?:me |us )?in (?:a |the )?cells?(?: overnight)?",
        r"in (?:a |the )?cells? (?:overnight|all night)",
        r"raid(?:ed|s|ing)?",
        r"closure order",
        r"brothel[- ]keeping",
    ),
    _term(
        -0.6,
        r"(?:arrested|cautioned|fined|charged|detained|handcuffed|cuffed|strip[- ]searched|nicked|"
        r"nick|arrest|moved|moving|move) " + _ME + "(?: on)?",
        r"searched (?:me|us|her)",
        r"made (?:me|us|her) (?:empty|strip|undress|stand|wait)",
    ),
    _term(
        0.6,
        r"(?:arrested|charged|caught|convicted|prosecuted|sentenced|jailed|locked up|nicked|"
        r"stopped|banned|dealt with) " + _OFFENDER,
        r"(?:he|she|they|the (?:man|men|guy|bloke|attacker|offender|client|punter|driver|"
        r"stalker)) (?:was|were|got|has been|have been|is being|is) (?:\w+ )?(?:arrested|charged|"
        r"caught|convicted|prosecuted|sentenced|jailed|locked up|nicked|banned)",
        r"(?:got|was|were|has been|have been|is being|been) (?:\w+ )?(?:charged|convicted|"
        r"prosecuted|sentenced|jailed)",
    ),
    _term(
        0.5,
        r"(?:gets|got|get|given|gave|returned) (?:me |us )?(?:my|our|it|them|either|both|all|the)"
        r"(?: \w+){0,2}? back",
    ),
    _term(
        -0.6,
        r"(?:lost|lose|losing) (?:the|my|our|their) (?:\w+ )?(?:footage|evidence|statement|file|"
        r"paperwork|report|details|property|notes)",
    ),
    _term(
        -0.5,
        r"(?:case|report|investigation|complaint) (?:was|got|has been|had been|is) (?:\w+ )?"
        r"(?:closed|dropped|shelved|filed away|lost)",
        r"(?:closed|dropped|shelved) (?:my|the|our) (?:case|report|investigation|complaint)",
    ),
    # Responsiveness and care.
    _term(
        0.7,
        r"(?:kept|keep|keeps|keeping) (?:me|us) (?:informed|updated|in the loop|posted|"
        r"up to date)",
        r"regular updates",
        r"kept (?:in )?touch",
    ),
    _term(0.6, r"follow(?:ed|s|ing)?[- ]?up"),
    _term(
        0.5,
        r"(?:called|rang|phoned|rung|call|ring|phone|calls|rings) (?:me |us )?back",
        r"(?:got|get|gets|came|come) back to (?:me|us)",
        # Only when someone else does it: "I replied" is not a sign of good service.
        r"(?<!i )(?<!we )(?:replied|responded)",
        r"returned my call",
        r"(?:always|usually|actually) (?:answers|picks up|replies|responds)",
        r"(?:asked|checked|check|checking) (?:if|whether|that|how) (?:i|we) (?:was|were|am|are|"
        r"felt|feel|got) (?:ok|okay|alright|all right|hurt|safe|home)",
        r"check(?:ed|ing|s)? (?:on|in on|up on) (?:me|us)",
        r"asked what (?:i|we) wanted",
        r"answered (?:all |every |each )?(?:of )?(?:my |our |the )?questions?",
    ),
    _term(
        0.6,
        r"(?:looking|looked|look|looks) (?:out )?(?:after|out for) (?:me|us|the girls|the women|"
        r"people|everyone|residents)",
        r"(?:on|by) (?:my|our) side",
        r"t(?:ook|akes?|aking) (?:the )?time to",
        r"made time",
    ),
    _term(
        0.4,
        r"(?:within|in) (?:minutes|the hour|an hour|half an hour|\w+ minutes)",
        r"straight away",
        r"right away",
        r"same day",
        r"prompt(?:ly)?",
    ),
    _term(
        -0.5,
        r"wait(?:ed|ing)? (?:for )?(?:over |nearly |about |almost )?(?:\w+ )?(?:hours|ages|days|"
        r"weeks|months|forever|all night|all day)",
        r"come back (?:another|later|tomorrow)",
        r"took (?:them|him|her|it|the police|police|officers) (?:over |nearly |almost |about )?"
        r"(?:a |an |\w+ )?(?:hours?|days?|weeks?|months?|ages|forever)",
    ),
    _term(
        0.6,
        r"(?:wanted|want|wants|trying|tried|willing|keen|happy) to help",
        r"help(?:ed|s)? (?:me|us)",
        r"helped",
        r"helpful(?:ly)?",
        r"helping (?:me|us)",
        r"supportive",
        r"supported",
        r"understanding",
        r"patient(?:ly)?",
        r"polite(?:ly)?",
        r"courteous",
        r"approachable",
        r"considerate",
        r"caring",
        r"cares?(?: about)?",
        r"cared(?: about)?",
        r"sympathetic",
        r"compassionate",
        r"reassur\w*",
        r"relieved",
        r"relief",
        r"(?<!i )(?<!we )explained",
        r"gentl[ey]",
        r"professional(?:ly|ism)?",
        r"(?:re)?solved",
        r"returned (?:my|our|the)",
        r"sorted (?:it|this|that|things|everything|the \w+)(?: out)?",
        r"sorted out",
    ),
    _term(
        0.7,
        r"thank(?:s| you| u)?",
        r"grateful",
        r"thankful",
        r"appreciat\w*",
        r"impressed",
        r"glad",
    ),
    _term(-0.7, r"distrust", r"mistrust", r"can't trust"),
    _term(0.6, r"trust(?:ed|s|ing)?", r"confident", r"confidence"),
    _term(-0.7, r"let (?:me |us )?down", r"fail(?:ed|ing) (?:me|us)"),
    _term(
        0.5,
        r"(?:i|we|you) (?:would|will|'d|'ll) (?:definitely |happily |gladly |now )?report",
        r"report(?:ing)? (?:\w+ ){0,3}?again",
        r"handled (?:it|things|this|my \w+) well",
        r"how well (?:they|he|she) handled",
    ),
    _term(
        -0.6,
        r"(?:stopped|gave up|give up|given up|giving up|no longer|don't bother|won't bother|"
        r"not bothering) (?:\w+ )?(?:reporting|calling|ringing|going out|walking|letting|"
        r"going to the police|let|go out|walk|use)",
    ),
    # Fear and danger.
    _term(
        -0.6,
        r"scared",
        r"afraid",
        r"frighten(?:ed|ing)",
        r"terrif(?:ied|ying)",
        r"fear(?:ed|ful|s)?",
        r"worried",
        r"worry(?:ing)?",
        r"anxious",
        r"nervous",
        r"panic\w*",
        r"unsafe",
        r"(?:in )?danger(?:ous)?",
        r"at risk",
        r"vulnerable",
        r"trauma\w*",
        r"upset(?:ting)?",
    ),
    _term(-0.3, r"followed (?:me|us|her)(?: home)?", r"followed home", r"attacked", r"assaulted"),
    # Residents' concerns.
    _term(-0.8, r"(?:needles?|syringes?|condoms?|litter|rubbish|glass) (?:everywhere|all over)"),
    _term(
        -0.5,
        r"needles?",
        r"syringes?",
        r"sharps",
        r"(?:used )?condoms?",
        r"(?:kerb|curb)[- ]?crawl\w*",
        r"(?:cars? |men |drivers? )?(?:circling|crawling|slowing down|cruising)",
        r"broken glass",
        r"litter(?:ed)?",
        r"rubbish",
        r"fly[- ]?tipping",
        r"graffiti",
        r"drug (?:dealing|dealers?|use|users|dens?)",
        r"dealers?",
        r"dealing(?! with)",
        r"knocking on (?:my|our|the) doors?",
        r"burglar(?:y|ies)",
        r"break[- ]ins?",
        r"anti[- ]?social",
        r"noise",
        r"noisy",
        r"shouting",
        r"screaming",
        r"fighting",
        r"arguing",
        r"arguments",
        r"disturbances?",
        r"nuisance",
        r"vandal\w*",
        r"(?:was|were|been|being|get|got|getting) approached",
        r"propositioned",
        r"ask(?:ed|ing) (?:me |her )?how much",
        r"exploit\w*",
        r"traffick\w*",
        r"woken",
        r"(?:can't|unable to|couldn't) sleep",
        r"k(?:ept|eeping) (?:us |me )?awake",
        r"blocking",
        r"blocked",
        r"engines? running",
        r"revving",
        r"(?:at|till|until|past) [1-5] ?(?:am|in the morning)",
        r"the early hours",
    ),
    _term(-0.6, r"toilet", r"dump", r"eyesore", r"cesspit", r"hotspot"),
    _term(
        -0.7,
        r"unbearable",
        r"intolerable",
        r"nightmare",
        r"disaster",
        r"hell",
        r"horrendous",
        r"appalling",
        r"shocking",
        r"disgrace\w*",
        r"fed up",
        r"sick of",
        r"sick and tired",
        r"tired of",
        r"filthy",
        r"dirty",
        r"hopeless",
        r"useless",
    ),
    _term(
        -0.6,
        r"(?:gone|going|went|goes) downhill",
        r"(?:getting|got|gotten|gets|grown|growing) worse",
        r"worse and worse",
        r"deteriorat\w*",
        r"declin(?:ed|ing)",
        r"worse",
    ),
    # Common words missing from TextBlob's lexicon, which is mostly adjectives from reviews.
    _term(
        0.6,
        r"valued",
        r"welcoming",
        r"productive",
        r"thorough",
        r"efficient",
        r"responsive",
        r"reliable",
        r"proactive",
        r"(?:a |an )?(?:star|hero|legend|gem)",
        r"credit to",
        r"top marks",
        r"spot on",
        r"well done",
        r"good job",
        r"fair play",
        r"dependable",
        r"trustworthy",
        r"accountable",
        r"effective",
        r"positive",
        r"(?:knows?|knew|learned|learnt) (?:our|my|everyone's|all our|people's|the girls'?) "
        r"names?",
        r"by (?:first )?name",
        r"says? hello",
        r"stops? (?:to|for a) chat",
        r"(?:gave|given|give|giving) (?:me |us )?(?:a |the )?(?:choice|option|say)",
        r"means? a lot",
        r"meant a lot",
        r"in control",
        r"(?:has|have) worked",
        r"worked (?:well|wonders)",
        r"working well",
        r"did the trick",
    ),
    _term(
        -0.7,
        r"unhelpful",
        r"incompeten\w*",
        r"clueless",
        r"careless",
        r"negligen\w*",
        r"lazy",
        r"corrupt",
        r"racis[tm]",
        r"sexis[tm]",
        r"bias(?:ed)?",
        r"prejudice\w*",
        r"offensive",
        r"unacceptable",
        r"inappropriate",
        r"insulting",
        r"vile",
        r"shambles",
        r"farce",
        r"a joke",
        r"pathetic",
        r"ridiculous",
        r"uncomfortable",
        r"awkward",
        r"disgust\w*",
        r"appall\w*",
        r"outrag\w*",
        r"furious",
        r"livid",
        r"angry",
        r"gutted",
        r"devastat\w*",
        r"disappoint\w*",
        r"frustrat\w*",
        r"annoy\w*",
        r"stress(?:ed|ful)?",
        r"helpless",
        r"powerless",
        r"isolated",
        r"invisible",
        r"worthless",
        r"dread\w*",
        r"lied",
        r"liars?",
        r"lying to",
    ),
    _term(
        -0.6,
        r"ruin(?:ed|ing|s)?",
        r"destroy(?:ed|ing|s)?",
        r"wreck(?:ed|ing)?",
        r"plagu(?:ed|ing)",
        r"blight(?:ed|ing)?",
        r"menace",
        r"violen(?:ce|t)",
        r"abuse",
        r"crying",
        r"cried",
        r"in tears",
        r"broke down",
        r"suffer(?:ed|ing)?",
        r"(?:photographed|filmed|recorded) (?:me|us)",
        r"took (?:a )?(?:photos?|pictures?) of (?:me|us)",
        r"without (?:asking|consent|my consent|permission|my permission)",
    ),
    _term(
        -0.5,
        r"negative",
        r"mistakes",
        r"errors",
        r"inaccurate",
        r"got (?:it|things|my \w+|everything) wrong",
        r"on (?:the )?(?:\w+'s|\w+s'|their|his) side",
        r"tak(?:e|es|ing) sides",
        r"sid(?:e|ed|es) with",
        r"in front of (?:everyone|everybody|people|the neighbours|customers|clients|"
        r"my (?:neighbours|kids|children|family|friends|colleagues|clients))",
    ),
    # Improvements.
    _term(
        0.7,
        r"(?:much|lot|far|loads|way|so much|lots|miles) better",
        r"better (?:since|now)",
        r"improv(?:ed|ement|ements|ing|es)",
        r"mak(?:es|ing)? a (?:\w+ )?difference",
        r"made a (?:\w+ )?(?:difference|change)",
        r"(?:positive|real|big|huge|massive|great) change",
        r"(?:cleaned|tidied|cleared) up",
        r"been cleaned",
        r"clean again",
        r"success(?:ful)?",
    ),
    _term(
        0.5,
        r"calmer",
        r"quieter",
        r"cleaner",
        r"safer",
        r"tidier",
        r"nicer",
        r"brighter",
        r"better lit",
        r"easier",
        r"(?:can|could) (?:finally |now |actually )?sleep",
        r"(?:able to|finally) sleep",
    ),
)

# Words that TextBlob scores but which only describe, here ("most of the time", "the other woman",
# "wrote down", "a new sign", "near the park", "my real name", "for the first time", "I live").
_DESCRIPTIVE: Final = (
    "most|mostly|other|down|new|near|real|first|last|single|little|more|less|few|many|late|long|"
    "old|young|own|full|filled|high|main|whole|usual|busy|empty|certain|particular|general|sure|"
    "dark|serious|seriously|much|very|really|only|next|right|left|big|public|local|able|live|"
    "lives|living"
)

_NEGATORS: Final = frozenset(
    {
        "not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "without", "hardly",
        "barely", "cannot", "lack",
        # Reductions work like negations: "far fewer kerb crawlers", "got rid of the dealers".
        "fewer", "less", "stopped", "cleared", "clearing", "tackled", "tackling", "removed", "rid",
        "sorted", "sorting", "fixed", "fix", "sort", "reduced", "reducing",
    }
)  # fmt: skip
# After a concern: "kerb crawling has really dropped off", "the needles are gone".
_REDUCERS_AFTER: Final = frozenset(
    {
        "dropped", "reduced", "decreased", "stopped", "disappeared", "gone", "eased", "fallen",
        "fell", "vanished", "fewer", "less", "cleared", "removed", "ended", "solved", "resolved",
        "sorted", "fixed", "caught",
    }
)  # fmt: skip
_INTENSIFIERS: Final = frozenset(
    {
        "very", "really", "so", "extremely", "incredibly", "absolutely", "totally", "completely",
        "utterly", "truly", "genuinely", "super", "such", "too", "always", "constantly",
        "honestly", "deeply", "seriously",
    }
)  # fmt: skip
# A negation does not reach across these ("they didn't ask about my visa and laughed at me").
_CLAUSE_BREAKS: Final = frozenset(
    {
        ".", ",", ";", ":", "!", "?", "but", "and", "because", "although", "though", "however",
        "which", "while", "whereas", "since", "until", "then",
    }
)  # fmt: skip

# Misspellings and apostrophe-less contractions seen in free text; "didnt" must still negate.
_SPELLING: Final = {
    "agressive": "aggressive", "agresive": "aggressive", "profesional": "professional",
    "proffesional": "professional", "proffessional": "professional", "recieved": "received",
    "beleive": "believe", "beleived": "believed", "belive": "believe", "belived": "believed",
    "seriosly": "seriously", "serously": "seriously", "definately": "definitely",
    "happend": "happened", "threatend": "threatened", "thretened": "threatened",
    "harrased": "harassed", "harrasment": "harassment", "embarassed": "embarrassed",
    "embarassing": "embarrassing", "respectfull": "respectful", "helpfull": "helpful",
    "usefull": "useful", "rediculous": "ridiculous", "absolutly": "absolutely",
    "absolutley": "absolutely", "completly": "completely", "realy": "really",
    "actualy": "actually", "liason": "liaison", "noone": "no one", "alot": "a lot",
    "ignord": "ignored", "dont": "don't", "didnt": "didn't", "doesnt": "doesn't",
    "wasnt": "wasn't", "werent": "weren't", "isnt": "isn't", "arent": "aren't",
    "havent": "haven't", "hasnt": "hasn't", "hadnt": "hadn't", "wouldnt": "wouldn't",
    "couldnt": "couldn't", "shouldnt": "shouldn't", "cant": "can't", "cannot": "can't",
    "wont": "won't", "aint": "ain't", "im": "i'm", "ive": "i've", "theyre": "they're",
    "youre": "you're", "thats": "that's", "tho": "though", "coz": "because", "cos": "because",
    "u": "you", "ur": "your", "thx": "thanks",
}  # fmt: skip


def _compile_lexicon() -> tuple[re.Pattern[str], tuple[float, ...]]:
    for _, source in _LEXICON:
        # Each entry becomes one numbered group of the combined pattern, found by match.lastindex;
        # a capturing group inside an entry would shift the numbering and attach the wrong weight.
        if re.compile(source).groups:
            raise ValueError(f"capturing group in lexicon entry: {source}")
    # One pass over the text for all entries; the word-boundary tests sit outside the
    # alternation so that they are made once per position rather than once per entry.
    alternatives = "|".join(f"({source})" for _, source in _LEXICON)
    combined = rf"\b(?:{alternatives})(?![\w'])"
    return re.compile(combined), tuple(weight for weight, _ in _LEXICON)


_TERM_RE, _TERM_WEIGHTS = _compile_lexicon()
_TOKEN_RE: Final = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.,;:!?]")
_WORD_RE: Final = re.compile(r"[a-z']+")
_BRACKETED_RE: Final = re.compile(r"\[[^\]]*\]")
_DESCRIPTIVE_RE: Final = re.compile(rf"\b(?:{_DESCRIPTIVE})\b")
_BACKSTORY_RE: Final = re.compile(
    r"\b(?:man|men|guy|bloke|client|punter|person|someone|driver|stalker|attacker|he|she|people) "
    r"who (?:\w+ ){0,2}$"
)
_MIXED_RE: Final = re.compile(
    r"\bsome\b[^.]*\b(?:and|but|while|,)\s+(?:some|others)\b|\bmixed\b|\bhit (?:and|or) miss\b|"
    r"\bdepends (?:on )?who\b|\ba mix\b|\bneither \w+ nor\b"
)
_SPACES_RE: Final = re.compile(r"\s+")


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    # Redaction placeholders ("[phone]") carry no sentiment.
    text = _BRACKETED_RE.sub(" ", text).replace("no-one", "no one")
    text = _WORD_RE.sub(lambda m: _SPELLING.get(m.group(0), m.group(0)), text)
    return _SPACES_RE.sub(" ", text).strip()


def _is_negator(token: str) -> bool:
    return token in _NEGATORS or token.endswith("n't")


def _domain_score(text: str) -> tuple[float, list[tuple[int, int]]]:
    """Sum of the weights of the domain phrases found, and the character spans they cover."""
    tokens = [(m.start(), m.group(0)) for m in _TOKEN_RE.finditer(text)]
    starts = [start for start, _ in tokens]
    last_but = text.rfind(" but ")
    total = 0.0
    spans: list[tuple[int, int]] = []
    for match in _TERM_RE.finditer(text):
        weight = _TERM_WEIGHTS[(match.lastindex or 1) - 1]
        spans.append(match.span())
        if weight == 0.0:
            continue
        index = bisect_left(starts, match.start())
        negated = intensified = False
        for distance, (_, token) in enumerate(
            reversed(tokens[max(0, index - _NEGATION_WINDOW) : index])
        ):
            if token in _CLAUSE_BREAKS:
                break
            if _is_negator(token):
                negated = not negated
            elif token in _INTENSIFIERS and distance < 2:
                intensified = True
        if weight < 0 and not negated:
            after = bisect_left(starts, match.end())
            for _, token in tokens[after : after + _REDUCTION_WINDOW]:
                if token in _CLAUSE_BREAKS:
                    break
                if token in _REDUCERS_AFTER:
                    negated = True
                    break
        if intensified:
            weight *= _INTENSIFIED
        if negated:
            weight = -weight * (_NEGATED_POSITIVE if weight > 0 else _NEGATED_NEGATIVE)
        elif weight < 0 and _BACKSTORY_RE.search(text, max(0, match.start() - 40), match.start()):
            weight *= _BACKSTORY
        if last_but >= 0 and match.start() < last_but:
            weight *= _BEFORE_BUT
        total += weight
    return total, spans


def _english(text: str) -> Sentiment:
    normalised = _normalise(text)
    if not normalised:
        return NOT_SCORED
    domain, spans = _domain_score(normalised)
    pieces: list[str] = []
    position = 0
    for start, end in spans:
        pieces.append(normalised[position:start])
        position = end
    pieces.append(normalised[position:])
    remainder = _DESCRIPTIVE_RE.sub(" ", " ".join(pieces))
    pattern = float(_pattern_sentiment(remainder)[0]) if remainder.strip() else 0.0
    score = domain + PATTERN_WEIGHT * pattern
    if _MIXED_RE.search(normalised):
        score *= _MIXED
    polarity = round(max(-1.0, min(1.0, score)), 4)
    return Sentiment(label=label_for(polarity), polarity=polarity, scored=True)


def label_for(polarity: float) -> Label:
    """The label for a polarity, with the thresholds used for every analyser and baseline."""
    if polarity > POSITIVE_THRESHOLD:
        return "positive"
    if polarity < NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


@cache
def _french_analyser() -> Callable[[str], float] | None:
    # textblob-fr is optional and not a declared dependency: without it French is not scored.
    try:
        from textblob_fr import PatternAnalyzer
    except ImportError:
        return None
    analyser = PatternAnalyzer()
    analyser.analyze("bon")  # loads its lexicon now rather than inside some later request

    def polarity(text: str) -> float:
        return float(analyser.analyze(text)[0])

    return polarity


def _french(text: str) -> Sentiment:
    analyser = _french_analyser()
    if analyser is None:
        return NOT_SCORED
    polarity = round(max(-1.0, min(1.0, analyser(text))), 4)
    return Sentiment(label=label_for(polarity), polarity=polarity, scored=True)


def _language(locale: str) -> str:
    return re.split(r"[-_@.]", locale.strip().lower(), maxsplit=1)[0]


def classify(text: str, locale: str) -> Sentiment:
    """Sentiment of one answer; `scored` is False where the language has no analyser."""
    if not text or not text.strip():
        return NOT_SCORED
    language = _language(locale)
    if language in ("en", "eng"):
        return _english(text)
    if language in ("fr", "fra", "fre"):
        return _french(text)
    return NOT_SCORED


# TextBlob reads its lexicon from disk on first use: do it at import, not inside a request.
_pattern_sentiment("good")
