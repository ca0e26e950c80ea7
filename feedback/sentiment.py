"""Three-way sentiment (positive / negative / neutral) of one piece of free-text feedback.

English is scored with TextBlob's bundled Pattern lexicon plus a police-contact lexicon and rules
(negation, intensifiers, reductions such as "far fewer kerb crawlers", and so on). TextBlob's lexicon
is built from product reviews: it gives 0.0 to most sentences about police contact ("they ignored
my report") and misreads some ("laughed at me" is +0.7), so the domain terms are matched first and
their text is hidden from TextBlob. French uses textblob-fr unchanged when it is installed.
Every other language is reported as not scored rather than given a made-up number.

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


# Chosen on the development half of tests/data/sentiment_eval.csv only (bench/sentiment_eval.py).
POSITIVE_THRESHOLD: Final = 0.1
NEGATIVE_THRESHOLD: Final = -0.1
# Weight of TextBlob's polarity for the text left over once domain terms are taken out.
PATTERN_WEIGHT: Final = 0.8

NOT_SCORED: Final = Sentiment(label="neutral", polarity=0.0, scored=False)

# A negated positive ("didn't help") is nearly as strong as the positive; a negated negative
# ("not rude") is only faint praise, as in VADER's handling of negation.
_NEGATED_POSITIVE: Final = 0.8
_NEGATED_NEGATIVE: Final = 0.6
_INTENSIFIED: Final = 1.3
# Harm done by the offender ("the man who robbed me") is background to the police contact being
# described; most of the weight must come from what the police did.
_BACKSTORY: Final = 0.3
_BEFORE_BUT: Final = 0.5
_MIXED: Final = 0.1
_NEGATION_WINDOW: Final = 4
_REDUCTION_WINDOW: Final = 4

# Domain lexicon: (regular expression over normalised lower-case text, weight). Where two entries
# could match at the same place the earlier one wins, so specific phrases come before single
# words. A weight of 0.0 hides a phrase from TextBlob without scoring it ("a clean up" is an
# event; "fine" in "got a fine" is a penalty, not praise).
_OBJ = r"(?:me|us|her|him|them|my friend|the girls|the women|people|everyone)"
_OFFENDER = (
    r"(?:him|them|the (?:man|men|guy|bloke|client|punter|driver|attacker|offender|thief|robber|"
    r"person|culprit|stalker|dealers?)|someone)"
)
_PRIVATE_PEOPLE = (
    r"(?:landlord|landlady|family|parents|partner|husband|wife|boyfriend|girlfriend|employer|boss|"
    r"neighbours?|kids|children|mum|dad|mother|father|school|college|university|work)"
)
_LEXICON: Final[tuple[tuple[str, float], ...]] = (
    # Things that look like sentiment but are not, in this domain.
    (r"needle (?:bins?|exchanges?|disposal)|sharps bins?|clean[- ]ups?(?= day| on| event)", 0.0),
    (r"(?:got|given|issued|gave (?:me|us)|handed (?:me|us)?) (?:a |another )?(?:fine|ticket)", -0.6),
    (r"after dark|late at night|late night|at night|last night|most of the time|on my own", 0.0),
    (r"(?:would|will|could) not tell anyone|(?:wouldn't|won't|didn't) tell anyone", 0.4),
    (r"(?:this |that |what |some |any |a )?(?:kind|kinds|sort|sorts) of", 0.0),
    (r"(?:put|puts|putting) (?:me|us) at ease|at ease", 0.7),
    (r"no (?:issues|problems)(?: at all)?", 0.5),
    (r"(?:my|our|the) fault|blam(?:ed|ing|e) (?:me|us|her|the victim)|victim[- ]blam\w*|"
     r"asking for it|deserved it|brought it on (?:myself|ourselves|herself)", -0.7),
    (r"(?:if|whether) (?:i|we|she|he) (?:had|have|has) (?:papers|a visa|documents|status|the "
     r"right to)|where (?:i|we|she|he) (?:was|am|were|are|is|came|come) from", -0.6),
    (r"nothing (?:bad|negative|wrong) to say|no complaints?|can't fault|cannot fault", 0.7),
    (r"no (?:more|longer any) (?:problems?|issues?|trouble)", 0.6),
    # Failures of response, with their own negation inside.
    (
        r"(?:no ?one|nobody|no officers?|no police|never|didn't|did not|not|never once|wouldn't) "
        r"(?:ever |even |actually |bothered to )?(?:came|come|comes|turned up|showed up|turn up|"
        r"show up|arrived|attended|bothered|responded|respond|got back|answered|picked up)",
        -0.7,
    ),
    (
        r"(?:never|nobody|no ?one|didn't|did not|not|never once) (?:\w+ ){0,2}?(?:told|tell|"
        r"informed|updated|contacted|explained) (?:me|us)",
        -0.5,
    ),
    (
        r"(?:didn't|did not|don't|do not|won't|wouldn't|never|not|no ?one|nobody|couldn't|could not|"
        r"can't|unable to|not able to|wasn't able to|weren't able to) "
        r"(?:even |really |ever |actually )?help(?:ed)?\b(?! (?:me|us) (?:with|to))",
        -0.7,
    ),
    (r"no help|not helpful at all|of no help", -0.7),
    (
        r"(?:nothing (?:has |was |had |got |is |is being |have |ever )?(?:been )?"
        r"(?:done|changed|changes|happened|happens|came of it|sorted|improved)|"
        r"did nothing|do nothing|does nothing|doing nothing|nothing (?:they|anyone|we|i) "
        r"(?:could|can|would|will) do|nothing (?:they|anyone) (?:could|can) do|"
        r"(?:went|goes|led|leads|going|got) nowhere|never leads? to anything)",
        -0.7,
    ),
    (
        r"no (?:response|reply|replies|answer|update|updates|feedback|follow[- ]up|action|arrests?|"
        r"one to talk to|support|protection|justice|interest)",
        -0.6,
    ),
    (r"waste of (?:my |our |their |your |police )?time|wasting (?:my |our |their |your |police )?time", -0.7),
    (r"not (?:a |our |their )?priority", -0.6),
    # Being taken seriously, believed, listened to.
    (
        r"(?:took|take|takes|taken|taking) (?:me|us|it|this|that|my \w+|our \w+|what i said|"
        r"what happened)(?: (?:very|really|so|more))? seriously|seriously (?:they |he |she )?"
        r"(?:took|take|taken|takes)(?: (?:it|me|us|this|my \w+))?|taken seriously",
        0.8,
    ),
    (r"(?:believed|believe|believes) (?:me|us|what i said|my|her|him)|(?:felt|was|were|been|"
     r"being|am|feel) believed", 0.7),
    (r"disbeliev\w*|(?:didn't|did not|don't|wouldn't) believe", -0.7),
    (r"listen(?:ed|s|ing)?(?: to (?:me|us|my|our|what|residents|people|them|the community))?|"
     r"(?:felt|feel|was|were) (?:listened to|heard)", 0.6),
    # Feeling safe, respected, judged.
    (
        r"(?:feel|felt|feeling|feels|made (?:me|us) feel|makes? (?:me|us) feel) (?:a lot |a bit |"
        r"much |so |very |really |more |far |totally |completely )?(?:safe|safer|secure|"
        r"comfortable|at ease|reassured|supported|respected|protected|welcome|valued|cared for)",
        0.7,
    ),
    (
        r"(?:treated|treat|treats|treating|made (?:me|us) feel|make (?:me|us) feel|felt|feel|"
        r"looked at (?:me|us)) (?:\w+ )?like (?:a |an |we were |i was )?(?:criminals?|"
        r"pieces? of (?:shit|dirt|rubbish)|dirt|rubbish|scum|suspects?|liars?|nothing|idiots?|"
        r"animals?|trash|a joke|a nuisance|the problem|i was lying|i was the criminal)",
        -0.9,
    ),
    (r"(?:treated|treat|treats) (?:\w+ )?like (?:a )?(?:human(?: beings?)?|a person|people|"
     r"anyone else|everyone else|an adult)", 0.7),
    (r"(?:treated|treat|treats|treating) (?:\w+ )?(?:with|with real|with such) (?:respect|dignity|"
     r"kindness|care|compassion)", 0.8),
    (r"disrespect\w*|no respect", -0.8),
    (r"respect(?:ed|ful|fully|s)?", 0.6),
    (r"non[- ]?judg(?:e)?mental", 0.7),
    (r"judg(?:e)?mental|judged|judging|judge (?:me|us)|judgement", -0.6),
    (r"(?:made|make|makes) (?:me|us) feel (?:like )?(?:small|stupid|dirty|ashamed|worthless|"
     r"unsafe|scared|guilty|judged|a nuisance|humiliated)", -0.8),
    # Ridicule, hostility, threats.
    (r"(?:laughed|laughing|laugh|laughs|sniggered|sniggering|smirked|smirking|sneered|jeered) "
     r"(?:at|about)|made fun of|making fun of|mocked|mocking|took the piss|taking the piss|"
     r"(?:made|making|make) (?:\w+ )?jokes?|jok(?:ed|ing) about|jokes? about", -0.8),
    (r"threat(?:en|ened|ening|ens|s)?", -0.8),
    (r"intimidat\w*|bull(?:y|ied|ying)|harass\w*|harrass\w*|hassl\w*|victimis\w*|victimiz\w*|"
     r"profil(?:ed|ing)|picked on|targeted|abusive|abused", -0.7),
    (r"rude(?:ly|ness)?|aggressive(?:ly)?|hostile|dismissive(?:ly)?|dismissed|patronis\w*|"
     r"patroniz\w*|condescending|belittl\w*|sarcastic|arrogant|cold|cruel|heartless|unprofessional",
     -0.7),
    (r"humiliat\w*|degrad(?:ed|ing)|embarrass\w*|ashamed|shamed|shaming|stigma\w*", -0.7),
    (r"(?:shouted|shouting|yelled|yelling|screamed|swore|swearing) at (?:me|us|her)|"
     r"(?:called|calling|call) (?:me|us|her|them) (?:names|a \w+)|sexual comments?", -0.7),
    (r"ignor(?:ed|ing|es|e)|brushed (?:me |us |it )?off|fobbed (?:me |us )?off|palmed (?:me |us )?"
     r"off|refus(?:ed|e|es|ing)|wouldn't (?:even )?take|didn't (?:even )?want to know", -0.7),
    # Being outed, exposed, or asked about immigration.
    (r"outed|outing (?:me|us)|out(?:ed)? (?:me|us) to|exposed (?:me|us)|recogni[sz]e (?:me|us)|"
     r"identif(?:y|ied) (?:me|us)", -0.8),
    (rf"(?:told|tell|informed|contacted|called|rang|wrote to|visited|phoned|letter to) (?:my|our) "
     rf"{_PRIVATE_PEOPLE}", -0.8),
    (r"(?:treated|treat|treats|treating) (?:\w+ ){0,2}?(?:differently|unfairly|badly|worse)|"
     r"(?:know|knows|knew) nothing", -0.6),
    (r"(?:never|not|nobody|no ?one) (?:\w+ )?(?:around|there|here|available|about) when|"
     r"nowhere to be seen", -0.6),
    (r"(?:my|our|her) (?:real|legal|full|actual|proper) names?", -0.5),
    (r"(?:passed|passing|pass|shared|sharing|share|gave|give|leaked|handed) (?:on )?(?:my|our) "
     r"(?:details|name|address|information|info|number|photo|picture)", -0.7),
    (r"(?:protected|protect|kept|keep|keeping) (?:my|our) (?:identity|name|details|privacy|"
     r"information|info|address)|(?:kept|keep) (?:it|things|everything) (?:confidential|private|"
     r"discreet)|discreet|confidential(?:ly)?", 0.7),
    (
        r"(?:asked|ask|asking|asks|questioned|questioning|questions?|interested in|checked|"
        r"checking|wanted to see) (?:me |us )?(?:about |for |on |over )?(?:my |our |her )?"
        r"(?:visa|immigration(?: status)?|papers|passport|status|right to (?:work|remain)|"
        r"nationality|documents)",
        -0.7,
    ),
    (r"immigration|home office|deport\w*|border force|detention cent(?:re|er)", -0.5),
    # Sanctions against the person writing, and action against offenders.
    (r"(?:i|we|she|you|my (?:mate|friend|friends|colleague|flatmate|partner|maid|receptionist"
     r"|sister)) (?:was|were|got|have been|had been|been|get) (?:\w+ )?(?:arrested|"
     r"cautioned|fined|charged|nicked|detained|handcuffed|cuffed|locked up|moved on|strip "
     r"searched)", -0.7),
    (r"(?:arrested|cautioned|fined|charged|detained|handcuffed|cuffed|strip[- ]searched|"
     r"nicked|nick|arrest|moved|moving|move) (?:me|us|the girls|the women|my friend)(?: on)?", -0.6),
    (r"(?:kept|held|locked|put) (?:me |us )?in (?:a |the )?cells?(?: overnight)?|in (?:a |the )?"
     r"cells? (?:overnight|all night)|raid(?:ed|s|ing)?|closure order|brothel[- ]keeping", -0.7),
    (rf"(?:arrested|charged|caught|convicted|prosecuted|sentenced|jailed|locked up|nicked|"
     rf"stopped|banned|dealt with) {_OFFENDER}", 0.6),
    (r"(?:he|she|they|the (?:man|men|guy|bloke|attacker|offender|client|punter|driver|stalker)) "
     r"(?:was|were|got|has been|have been|is being|is) (?:\w+ )?(?:arrested|charged|caught|"
     r"convicted|prosecuted|sentenced|jailed|locked up|nicked|banned)|(?:got|was|were|has been|"
     r"have been|is being|been) (?:\w+ )?(?:charged|convicted|prosecuted|sentenced|jailed)", 0.6),
    (r"(?:gets|got|get|given|gave|returned) (?:me |us )?(?:my|our|it|them|either|both|all|the)"
     r"(?: \w+){0,2}? back", 0.5),
    (r"(?:lost|lose|losing) (?:the|my|our|their) (?:\w+ )?(?:footage|evidence|statement|file|"
     r"paperwork|report|details|property|notes)", -0.6),
    (r"(?:case|report|investigation|complaint) (?:was|got|has been|had been|is) (?:\w+ )?"
     r"(?:closed|dropped|shelved|filed away|lost)|(?:closed|dropped|shelved) (?:my|the|our) "
     r"(?:case|report|investigation|complaint)", -0.5),
    # Responsiveness and care.
    (r"(?:kept|keep|keeps|keeping) (?:me|us) (?:informed|updated|in the loop|posted|up to date)|"
     r"regular updates|kept (?:in )?touch", 0.7),
    (r"follow(?:ed|s|ing)?[- ]?up", 0.6),
    (r"(?:called|rang|phoned|rung|call|ring|phone|calls|rings) (?:me |us )?back|(?:got|get|gets|"
     r"came|come) back to (?:me|us)|replied|responded|returned my call|(?:always|usually|"
     r"actually) (?:answers|picks up|replies|responds)", 0.5),
    (r"(?:asked|checked|check|checking) (?:if|whether|that|how) (?:i|we) (?:was|were|am|are|"
     r"felt|feel|got) (?:ok|okay|alright|all right|hurt|safe|home)|checked (?:on|in on) (?:me|us)|"
     r"asked what (?:i|we) wanted", 0.5),
    (r"(?:looking|looked|look|looks) (?:out )?(?:after|out for) (?:me|us|the girls|the women|"
     r"people|everyone|residents)|(?:on|by) (?:my|our) side|took (?:the )?time|takes? (?:the )?"
     r"time to|made time", 0.6),
    (r"(?:within|in) (?:minutes|the hour|an hour|half an hour|\w+ minutes)|straight away|"
     r"right away|same day|promptly|prompt", 0.4),
    (r"wait(?:ed|ing)? (?:for )?(?:over |nearly |about |almost )?(?:\w+ )?(?:hours|ages|days|weeks|"
     r"months|forever|all night|all day)|come back (?:another|later|tomorrow)", -0.5),
    (r"(?:wanted|want|wants|trying|tried|willing|keen|happy) to help|help(?:ed|s)? (?:me|us)|"
     r"helped|helpful|helping (?:me|us)", 0.6),
    (r"supportive|supported|understanding|patient|patiently|polite(?:ly)?|courteous|"
     r"approachable|considerate|caring|cares?(?: about)?|cared(?: about)?|sympathetic|"
     r"compassionate|reassur\w*|relieved|relief|explained|helpfully|gently|professional(?:ly|ism)?|"
     r"solved|resolved|returned (?:my|our|the)|gentle|sorted (?:it|this|that|things|everything|"
     r"the \w+)(?: out)?|sorted out", 0.6),
    (r"thank(?:s| you| u)?|grateful|thankful|appreciat\w*|impressed|glad", 0.7),
    (r"distrust|mistrust|can't trust|cannot trust", -0.7),
    (r"trust(?:ed|s|ing)?|confident|confidence", 0.6),
    (r"let (?:me |us )?down|failed (?:me|us)|failing (?:me|us)", -0.7),
    (r"(?:i|we|you) (?:would|will|'d|'ll) (?:definitely |happily |gladly |now )?report|"
     r"report(?:ing)? (?:\w+ ){0,3}?again|handled (?:it|things|this|my \w+) well|how well "
     r"(?:they|he|she) handled", 0.5),
    (r"(?:stopped|gave up|give up|no longer|don't bother|won't bother|not bothering) "
     r"(?:\w+ )?(?:reporting|calling|ringing|going out|walking|letting|going to the police|"
     r"let|go out|walk|use)", -0.6),
    # Fear and danger.
    (r"scared|afraid|frightened|frightening|terrified|terrifying|fear(?:ed|ful|s)?|worried|"
     r"worry(?:ing)?|anxious|nervous|panic\w*|unsafe|in danger|danger(?:ous)?|at risk|"
     r"vulnerable|trauma\w*|upset(?:ting)?", -0.6),
    (r"followed (?:me|us|her) (?:home)?|followed home|attacked|assaulted", -0.3),
    # Residents' concerns.
    (r"needles?|syringes?|sharps|(?:used )?condoms?|kerb[- ]?crawl\w*|curb[- ]?crawl\w*|"
     r"(?:cars? |men |drivers? )?(?:circling|crawling|slowing down)|broken glass|litter(?:ed)?|"
     r"rubbish|fly[- ]?tipping|graffiti|drug (?:dealing|dealers?|use|users|den|dens)|"
     r"dealers?|dealing|burglar(?:y|ies)|break[- ]ins?|anti[- ]?social|noise|noisy|"
     r"(?:shouting|screaming|fighting|arguing|arguments)|disturbances?|nuisance|vandal\w*|"
     r"approached|propositioned|asking (?:me |her )?how much|asked (?:me |her )?how much|"
     r"exploit\w*|traffick\w*|woken|(?:can't|cannot|unable to|couldn't) sleep|kept (?:us |me )?"
     r"awake|keeping (?:us |me )?awake|blocking|blocked|engines? running|revving|(?:at|till|until|"
     r"past) [1-5] ?(?:am|in the morning)|the early hours", -0.5),
    (r"unbearable|intolerable|nightmare|disaster|hell|horrendous|appalling|shocking|disgrace\w*|"
     r"fed up|sick of|sick and tired|tired of|filthy|dirty|hopeless|useless", -0.7),
    (r"(?:gone|going|went|goes) downhill|(?:getting|got|gotten|gets|grown|growing) worse|"
     r"worse and worse|deteriorat\w*|declin(?:ed|ing)|worse", -0.6),
    # General words missing from TextBlob's lexicon, which is mostly adjectives from reviews.
    (r"valued|welcoming|productive|thorough|efficient|responsive|reliable|proactive|"
     r"(?:a |an )?(?:star|hero|legend|gem|credit to)|top marks|spot on|well done|good job|"
     r"fair play|credit to|dependable|trustworthy|accountable|effective", 0.6),
    (r"unhelpful|incompeten\w*|clueless|useless|careless|negligen\w*|lazy|corrupt|racis[tm]|"
     r"sexis[tm]|bias(?:ed)?|prejudice\w*|offensive|unacceptable|inappropriate|insulting|"
     r"vile|shambles|farce|a joke|pathetic|ridiculous|embarrassing|uncomfortable|awkward|"
     r"disgust\w*|appall\w*|outrag\w*|furious|livid|angry|gutted|devastat\w*|"
     r"disappoint\w*|frustrat\w*|annoy\w*|stress(?:ed|ful)?|helpless|powerless|"
     r"isolated|invisible|worthless|dread\w*|lied|liars?|lying to", -0.7),
    (r"ruin(?:ed|ing|s)?|destroy(?:ed|ing|s)?|wreck(?:ed|ing)?|plagu(?:ed|ing)|blight(?:ed|ing)?|"
     r"menace|violen(?:ce|t)|abuse|crying|cried|in tears|broke down|suffer(?:ed|ing)?|"
     r"(?:photographed|filmed|recorded) (?:me|us)|took (?:a )?(?:photos?|pictures?) of (?:me|us)|"
     r"without (?:asking|consent|my consent|permission|my permission)", -0.6),
    (r"(?:came|come|comes|amounted) to nothing|empty promises|broken promises?", -0.7),
    (r"answered (?:all |every |each )?(?:of )?(?:my |our |the )?questions?", 0.5),
    # Improvements.
    (r"(?:much|lot|far|loads|way|so much|lots|miles) better|better since|better now|"
     r"improv(?:ed|ement|ements|ing|es)|made a (?:\w+ )?difference|makes a (?:\w+ )?difference|"
     r"(?:cleaned|tidied|cleared) up|been cleaned|clean again|success(?:ful)?|made a (?:\w+ )?change|"
     r"(?:positive|real|big|huge|massive|great) change", 0.7),
    (r"calmer|quieter|cleaner|safer|tidier|nicer|brighter|better lit", 0.5),
)

# Words that TextBlob scores but which only describe, here ("most of the time", "the other woman",
# "wrote down", "a new sign", "near the park", "my real name", "for the first time").
_DESCRIPTIVE: Final = (
    r"most|other|down|new|near|real|first|last|single|little|more|less|few|many|late|long|old|"
    r"young|own|full|high|main|whole|usual|busy|empty|certain|particular|general|sure|dark|"
    r"serious|seriously|much|very|really|only|next|right|left|big|public|local|able|live|lives|"
    r"living|mostly|filled"
)

_NEGATORS: Final = frozenset(
    {
        "not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "without", "hardly",
        "barely", "cannot", "noone", "fewer", "less", "stopped", "cleared", "clearing",
        "tackled", "tackling", "removed", "rid", "sorted", "sorting", "fixed", "reduced",
        "reducing", "fix", "sort", "lack",
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
        "utterly", "truly", "genuinely", "super", "such", "too", "everywhere", "always", "constantly",
        "honestly", "deeply", "seriously",
    }
)  # fmt: skip
# A negation does not reach across these ("they didn't ask about my visa and laughed at me").
_CLAUSE_BREAKS: Final = frozenset(
    {".", ",", ";", ":", "!", "?", "but", "and", "because", "although", "though", "however",
     "which", "while", "whereas", "since", "until", "then"}
)  # fmt: skip

_SPELLING: Final = {
    "agressive": "aggressive", "agresive": "aggressive", "profesional": "professional",
    "proffesional": "professional", "proffessional": "professional", "recieved": "received",
    "beleive": "believe", "beleived": "believed", "belive": "believe", "belived": "believed",
    "seriosly": "seriously", "serously": "seriously", "definately": "definitely",
    "happend": "happened", "threatend": "threatened", "thretened": "threatened",
    "harrased": "harassed", "harrassed": "harassed", "harrasment": "harassment",
    "harrassment": "harassment", "embarassed": "embarrassed", "embarassing": "embarrassing",
    "respectfull": "respectful", "helpfull": "helpful", "usefull": "useful", "polie": "police",
    "rediculous": "ridiculous", "noone": "no one", "alot": "a lot", "ignord": "ignored",
    "dont": "don't", "didnt": "didn't", "doesnt": "doesn't", "wasnt": "wasn't",
    "werent": "weren't", "isnt": "isn't", "arent": "aren't", "havent": "haven't",
    "hasnt": "hasn't", "hadnt": "hadn't", "wouldnt": "wouldn't", "couldnt": "couldn't",
    "shouldnt": "shouldn't", "cant": "can't", "wont": "won't", "aint": "ain't", "im": "i'm",
    "ive": "i've", "theyre": "they're", "youre": "you're", "thats": "that's",
    "cannot": "can't", "nobodys": "nobody's", "tho": "though", "coz": "because",
    "cos": "because", "u": "you", "ur": "your", "pls": "please", "thx": "thanks",
}  # fmt: skip


def _compile_lexicon() -> tuple[re.Pattern[str], tuple[float, ...]]:
    for source, _ in _LEXICON:
        # Each entry becomes one numbered group of the combined pattern; groups of its own would
        # shift the numbering and attach the wrong weight.
        if re.compile(source).groups:
            raise ValueError(f"capturing group in lexicon entry: {source}")
    combined = "|".join(rf"\b({source})(?![\w'])" for source, _ in _LEXICON)
    return re.compile(combined), tuple(weight for _, weight in _LEXICON)


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
    r"\bsome\b[^.]*\b(?:and|but|while|,)\s+(?:some|others)\b|\bmixed\b|hit and miss|hit or miss|"
    r"depends (?:on )?who|\ba mix\b|neither \w+ nor"
)
_SPACES_RE: Final = re.compile(r"\s+")


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = _BRACKETED_RE.sub(" ", text)
    text = _WORD_RE.sub(lambda m: _SPELLING.get(m.group(0), m.group(0)), text)
    return _SPACES_RE.sub(" ", text).strip()


def _is_negator(token: str) -> bool:
    return token in _NEGATORS or token.endswith("n't")


def _domain_score(text: str) -> tuple[float, list[tuple[int, int]]]:
    """Sum of the domain terms found, and the character spans they cover."""
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
        before = [tok for _, tok in tokens[max(0, index - _NEGATION_WINDOW) : index]]
        negated = intensified = False
        for distance, token in enumerate(reversed(before)):
            if token in _CLAUSE_BREAKS:
                break
            if _is_negator(token):
                negated = not negated
            elif token in _INTENSIFIERS and distance < 2:
                intensified = True
        if weight < 0 and not negated:
            end_index = bisect_left(starts, match.end())
            for _, token in tokens[end_index : end_index + _REDUCTION_WINDOW]:
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
        if 0 <= last_but and match.start() < last_but:
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
    """The label for a polarity, with the thresholds used throughout (also for baselines)."""
    if polarity > POSITIVE_THRESHOLD:
        return "positive"
    if polarity < NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


@cache
def _french_analyser() -> Callable[[str], float] | None:
    # textblob-fr is optional: loaded on first French text, and French is reported as not scored
    # where it is missing.
    try:
        from textblob_fr import PatternAnalyzer
    except ImportError:
        return None
    analyser = PatternAnalyzer()

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


# TextBlob reads its lexicon from disk on first use; do it at import, not on a user's request.
_pattern_sentiment("good")
