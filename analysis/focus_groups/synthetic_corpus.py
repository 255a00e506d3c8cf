"""A seeded synthetic focus-group corpus with a known coding truth.

No focus-group transcripts are public, so the workflow ships a generator: officials'
utterances assembled from templates grounded in the paper's themes (reasons to join,
community of practice, problems of networking, strategic networking), coded by two coders.
Coder A records the true codes; coder B departs from them on a known share of segments, so
the reliability estimates have a truth to recover. Everything it makes is synthetic and the
workflow labels it so; a user's real corpus replaces it through config alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.focus_groups.codebook import Codebook

#: Sentences an official might say, per code of the shipped codebook (English; sessions held
#: in other languages are presented as translated). Written for this generator, not quoted.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "investment_market": (
        "For our mayor the network is a shop window for investors.",
        "We use the network meetings to meet companies that might invest in our region.",
        "Membership helps us market the city abroad, for trade and for tourism.",
        "Our economic development office asks every year what business the network brought in.",
        "When investors see our name next to the big capitals, it opens doors for local firms.",
    ),
    "legitimacy": (
        "Being a designated member gave our department a mandate inside city hall.",
        "The label matters: councillors listen when an international body recognises our work.",
        "It gives the city visibility; we are on the map next to much bigger places.",
        "Membership lends legitimacy to policies that would otherwise be hard to defend locally.",
        "Our mayor likes to be seen on the international stage, and the network offers that.",
    ),
    "knowledge_access": (
        "We took the network's guidance and adapted it for our own health plan.",
        "The toolkits and indicators we got through the network saved us months of work.",
        "Access to the experts is the main benefit for a small team like ours.",
        "The network's training on health impact assessment was used across our departments.",
    ),
    "external_funding": (
        "Half of our projects started because partners invited us into a funding consortium.",
        "Without network partners we would never have applied for European project money.",
        "The network helped us find partners for a grant application on active mobility.",
        "Project funding is a strong argument when the council asks why we stay.",
    ),
    "peer_learning": (
        "What helps most is hearing a colleague admit their programme failed and explain why.",
        "We learn more from cities like ours than from any report.",
        "The study visit showed us how another city organised its neighbourhood health teams.",
        "We copied the idea of a healthy-ageing forum from a partner city and it worked.",
        "Comparing our approach with others tells us whether we are on the right track.",
    ),
    "trust_relationships": (
        "After ten years I can pick up the phone and call my counterpart directly.",
        "The personal contacts are what last; declarations are forgotten quickly.",
        "We meet the same people every year, and that trust makes honest discussion possible.",
        "The informal dinners at the conferences matter as much as the sessions.",
    ),
    "shared_commitment": (
        "We are not just members, we feel part of a movement for health and equity.",
        "What holds us together is the shared commitment to put health into every policy.",
        "There is a sense of belonging; we share the same values even in very different cities.",
        "The network reminds us why we do this work when things get difficult at home.",
    ),
    "coordination_support": (
        "The coordinators keep us on track: they organise the meetings and chase the reports.",
        "Without the secretariat the network would fall apart within a year.",
        "The coordinating office translates our experiences into something others can use.",
        "Good facilitation at the meetings makes the difference between a talk shop and work.",
    ),
    "network_overlap": (
        "Every month a new network invites us, and half of them work on the same topics.",
        "There are simply too many networks, and they compete for the same cities.",
        "We sit in three networks that all discuss climate and health in slightly different ways.",
        "It is confusing: our colleagues cannot tell which network does what.",
        "The landscape is crowded; nobody has an overview of who does what.",
    ),
    "scarce_staff": (
        "I am the only person in our office doing international work, for four networks.",
        "We do not have the staff to take part in all the working groups.",
        "Reporting to each network takes time we simply do not have.",
        "When our coordinator went on leave, our participation stopped for a year.",
    ),
    "scarce_money": (
        "Each network costs a fee plus travel, and after the budget cuts we cannot pay for all.",
        "The membership fee is hard to justify when the council is cutting services.",
        "Travel to the annual conference uses most of our international budget.",
        "Co-financing for joint projects is a problem for a city of our size.",
    ),
    "political_turnover": (
        "Our new mayor had never heard of the network, so we argued for it all over again.",
        "After the elections the priorities changed and the network lost its champion.",
        "Every change of government puts our membership back on the table.",
        "The councillor who brought us in left, and interest faded with her.",
    ),
    "selective_membership": (
        "We reviewed all our memberships and kept only the three that deliver for residents.",
        "We now say no to most invitations unless there is a clear benefit.",
        "We left two networks last year because nobody could tell us what we gained.",
        "We have criteria now: a network must fit our priorities and be affordable.",
    ),
    "strategic_alignment": (
        "We only join working groups that feed directly into our city health plan.",
        "Membership has to serve the city's strategy, not the other way round.",
        "We link every network activity to a target in our development plan.",
        "The question we ask is how the network helps us deliver the mayor's programme.",
    ),
    "network_rationalisation": (
        "The networks should talk to each other and pool their conferences.",
        "Some networks will not survive, and perhaps that is healthy.",
        "It would help if the networks agreed who leads on which topic.",
        "I expect the weaker networks to merge or disappear in the next years.",
    ),
}

#: Codes that officials tend to raise together (the partner is added to some segments).
AFFINITY: dict[str, tuple[str, ...]] = {
    "investment_market": ("legitimacy", "strategic_alignment"),
    "legitimacy": ("investment_market", "political_turnover"),
    "knowledge_access": ("peer_learning", "coordination_support"),
    "external_funding": ("scarce_money", "investment_market"),
    "peer_learning": ("trust_relationships", "shared_commitment"),
    "trust_relationships": ("peer_learning", "shared_commitment"),
    "shared_commitment": ("peer_learning", "trust_relationships"),
    "coordination_support": ("peer_learning", "scarce_staff"),
    "network_overlap": ("scarce_staff", "selective_membership", "network_rationalisation"),
    "scarce_staff": ("network_overlap", "scarce_money"),
    "scarce_money": ("scarce_staff", "selective_membership"),
    "political_turnover": ("legitimacy", "strategic_alignment"),
    "selective_membership": ("network_overlap", "strategic_alignment"),
    "strategic_alignment": ("selective_membership", "legitimacy"),
    "network_rationalisation": ("network_overlap",),
}

#: Relative frequency of codes as the first code of a segment (unlisted codes: 1.0).
WEIGHTS: dict[str, float] = {
    "peer_learning": 3.0,
    "network_overlap": 2.5,
    "legitimacy": 2.2,
    "scarce_staff": 2.0,
    "investment_market": 1.8,
    "trust_relationships": 1.8,
    "shared_commitment": 1.5,
    "scarce_money": 1.5,
    "knowledge_access": 1.3,
    "selective_membership": 1.2,
    "strategic_alignment": 1.0,
    "coordination_support": 1.0,
    "political_turnover": 0.5,
    "external_funding": 0.35,
    "network_rationalisation": 0.2,
}

OPENERS = (
    "",
    "",
    "",
    "In our case, ",
    "Honestly, ",
    "I agree with what was said. ",
    "For a city like ours, ",
    "From the health department's side, ",
)
ROLES = (
    ("elected official", 0.15),
    ("senior official", 0.30),
    ("programme coordinator", 0.35),
    ("technical officer", 0.20),
)
CITY_SIZES = (("small", 0.30), ("medium", 0.40), ("large", 0.20), ("very large", 0.10))
COUNTRIES = (
    "Austria",
    "Belgium",
    "Croatia",
    "Denmark",
    "Finland",
    "France",
    "Germany",
    "Greece",
    "Hungary",
    "Italy",
    "Netherlands",
    "Norway",
    "Poland",
    "Portugal",
    "Slovenia",
    "Spain",
    "Sweden",
    "Türkiye",
    "United Kingdom",
)
LANGUAGES = (("en", 0.6), ("fr", 0.1), ("de", 0.1), ("es", 0.1), ("it", 0.1))
FIRST_SESSION = pd.Timestamp("2015-06-01")
TRUE_CODER, NOISY_CODER = "A", "B"


def generate(
    codebook: Codebook,
    sessions: int,
    participants_per_session: int,
    disagreement_rate: float,
    seed: int,
    double_coded_share: float = 1.0,
    turns: tuple[int, int] = (3, 6),
) -> dict[str, pd.DataFrame]:
    """The four corpus tables (sessions, participants, segments, codings), seeded.

    Each participant speaks a random number of turns in ``turns``; each turn carries one code
    drawn by session-specific weights and, often, a related second code, rendered as sentences
    from :data:`TEMPLATES` (a code without a template uses its codebook example). Coder A
    codes every segment with its true codes. Coder B codes a random ``double_coded_share`` of
    segments and, on a ``disagreement_rate`` share of those, replaces one true code with a
    wrong one (see :func:`expected_agreement`).
    """
    rng = np.random.default_rng(seed)
    code_ids = codebook.code_ids
    examples = dict(zip(codebook.codes["code_id"], codebook.codes["example"]))
    base = np.array([WEIGHTS.get(c, 1.0) for c in code_ids])
    session_rows, people, segment_rows, true_codes = [], [], [], {}
    pseudonyms: set[str] = set()
    for s in range(sessions):
        session_id = f"FG{s + 1:02d}"
        language = "en" if s == 0 else _draw(rng, LANGUAGES)
        session_rows.append(
            {
                "session_id": session_id,
                "date": (
                    FIRST_SESSION + pd.Timedelta(days=int(45 * s + rng.integers(0, 20)))
                ).strftime("%Y-%m-%d"),
                "place": f"Synthetic venue {s + 1} (online or conference side-meeting)",
                "network": "synthetic health-cities network (illustrative)",
                "n_participants": participants_per_session,
                "language": language,
            }
        )
        weights = rng.dirichlet(base)  # sessions differ in what comes up
        speakers = []
        for _ in range(participants_per_session):
            pseudonym = _new_pseudonym(rng, pseudonyms)
            people.append(
                {
                    "pseudonym": pseudonym,
                    "session_id": session_id,
                    "role": _draw(rng, ROLES),
                    "city_size_class": _draw(rng, CITY_SIZES),
                    "country": COUNTRIES[rng.integers(len(COUNTRIES))],
                }
            )
            speakers += [pseudonym] * int(rng.integers(turns[0], turns[1] + 1))
        for turn, speaker in enumerate(rng.permutation(speakers), start=1):
            segment_id = f"{session_id}-{turn:03d}"
            codes = _true_codes(rng, code_ids, weights)
            true_codes[segment_id] = codes
            text = _with_opener(rng, " ".join(_sentence(rng, c, examples) for c in codes))
            segment_rows.append(
                {
                    "segment_id": segment_id,
                    "session_id": session_id,
                    "pseudonym": str(speaker),
                    "turn": turn,
                    "text": text,
                }
            )
    codings = _code(rng, true_codes, code_ids, disagreement_rate, double_coded_share)
    return {
        "sessions": pd.DataFrame(session_rows),
        "participants": pd.DataFrame(people),
        "segments": pd.DataFrame(segment_rows),
        "codings": codings,
    }


def expected_agreement(
    codings: pd.DataFrame, code_ids: list[str], disagreement_rate: float
) -> pd.DataFrame:
    """Expected A × B agreement table per code implied by the generator's disagreement rate.

    Over the segments B coded, with A's codes as truth: a segment with t true codes out of K
    keeps a true code in B's coding with probability 1 − r/t and gains a given wrong code with
    probability r/(K − t). Columns: code, n11 (both), n10 (A only), n01 (B only), n00 (neither).
    """
    r, k = disagreement_rate, len(code_ids)
    truth = codings[codings["coder"] == TRUE_CODER].groupby("segment_id")["code"].agg(set)
    double = truth.loc[sorted(set(codings.loc[codings["coder"] == NOISY_CODER, "segment_id"]))]
    rows = []
    for code in code_ids:
        n11 = n10 = n01 = n00 = 0.0
        for codes in double:
            t = len(codes)
            if code in codes:
                n11, n10 = n11 + 1 - r / t, n10 + r / t
            else:
                n01, n00 = n01 + r / (k - t), n00 + 1 - r / (k - t)
        rows.append({"code": code, "n11": n11, "n10": n10, "n01": n01, "n00": n00})
    return pd.DataFrame(rows)


def _code(
    rng: np.random.Generator,
    true_codes: dict[str, list[str]],
    code_ids: list[str],
    rate: float,
    share: float,
) -> pd.DataFrame:
    """Long-form codings: A = truth on every segment; B on a share, with substitutions."""
    rows = [
        {"segment_id": s, "coder": TRUE_CODER, "code": c}
        for s, codes in true_codes.items()
        for c in codes
    ]
    segment_ids = list(true_codes)
    n_double = max(2, int(round(share * len(segment_ids))))
    for s in sorted(rng.choice(segment_ids, size=min(n_double, len(segment_ids)), replace=False)):
        codes = list(true_codes[s])
        if rng.random() < rate:
            wrong = [c for c in code_ids if c not in codes]
            codes[rng.integers(len(codes))] = wrong[rng.integers(len(wrong))]
        rows += [{"segment_id": s, "coder": NOISY_CODER, "code": c} for c in codes]
    return pd.DataFrame(rows)


def _true_codes(rng: np.random.Generator, code_ids: list[str], weights: np.ndarray) -> list[str]:
    """One code by the session's weights, often joined by a related one (1–3 codes)."""
    first = code_ids[rng.choice(len(code_ids), p=weights)]
    codes = [first]
    n_extra = rng.choice([0, 1, 2], p=[0.55, 0.38, 0.07])
    partners = [c for c in AFFINITY.get(first, ()) if c in code_ids]
    for _ in range(n_extra):
        pool = [c for c in partners if c not in codes] or [c for c in code_ids if c not in codes]
        codes.append(pool[rng.integers(len(pool))])
    return codes


def _sentence(rng: np.random.Generator, code: str, examples: dict[str, str]) -> str:
    options = TEMPLATES.get(code) or (examples[code],)
    return options[rng.integers(len(options))]


def _with_opener(rng: np.random.Generator, text: str) -> str:
    """Sometimes start the turn as people do ("In our case, we ...")."""
    opener = OPENERS[rng.integers(len(OPENERS))]
    if opener.endswith(", ") and not text.startswith("I "):
        text = text[0].lower() + text[1:]
    return opener + text


def _draw(rng: np.random.Generator, options: tuple[tuple[str, float], ...]) -> str:
    labels, p = zip(*options)
    return labels[rng.choice(len(labels), p=np.asarray(p) / sum(p))]


def _new_pseudonym(rng: np.random.Generator, taken: set[str]) -> str:
    """``P-`` + 8 hex digits, the format of keyed pseudonyms (analysis.focus_groups.pseudonymise)."""
    while True:
        candidate = "P-" + rng.bytes(4).hex()
        if candidate not in taken:
            taken.add(candidate)
            return candidate
