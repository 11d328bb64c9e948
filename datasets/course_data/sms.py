"""The course's own SMS spam collection, generated deterministically in place of the book's.

`sms_spam_collection()` returns the text of a tab-separated file laid out like the UCI
`SMSSpamCollection` that chapter 6 reads (one `label<TAB>message` line per message, labels
`ham` and `spam`), with the book's figures: 5,572 messages, 747 spam and 4,825 ham, so the
book's pipeline gives the same sizes (1,494 balanced; 1,045 / 149 / 300 after the split).

Messages come from a small grammar per family (spam: prizes, offers, urgent calls, services,
subscriptions; ham: plans, replies, family, work, feelings), with cues that overlap across the
classes ("are you free", "call me", "did we win") and a few plain-looking spam messages, so
a classifier must read more than one word. No third-party text: everything is written here.
Its sha256 is pinned in the tests.
"""
from __future__ import annotations

import functools

from .text import _Rand

N_MESSAGES, N_SPAM = 5572, 747

NAMES = ["Amy", "Tom", "Priya", "Josh", "Kate", "Sam", "Leo", "Nina", "Dan", "Mum", "Dad", "Ben"]
PLACES = ["the pub", "the station", "town", "the gym", "uni", "the cinema", "work", "the shop", "yours",
          "the park", "the library", "the cafe"]
TIMES = ["tonight", "tmrw", "at 7", "later", "this weekend", "after work", "in 10 mins", "on sat", "at lunch",
         "tomorrow morning", "around 6"]
FOOD = ["pizza", "curry", "chips", "pasta", "noodles", "a roast", "sushi", "soup"]
FEEL = ["knackered", "so happy", "a bit sad", "bored", "stressed", "fine", "ill", "excited"]
REPLIES = ["Ok", "k", "Ok lor", "Sure", "Yeah", "Nah", "Cool", "Haha", "Lol ok", "Fine", "Yup", "Sorry"]
PRIZES = ["a £1000 cash prize", "a £2000 award", "a brand new phone", "a 2-week holiday", "£500 of vouchers",
          "a £250 gift card", "a free camcorder", "a luxury cruise"]
OFFERS = ["FREE ringtones", "2 FREE texts a day", "a FREE camera phone", "unlimited texts",
          "50% off your next bill", "a FREE upgrade", "free minutes"]
SERVICES = ["chat to local singles", "get hot gossip alerts", "read your daily horoscope", "get the latest ringtones",
            "try a free psychic reading", "follow football scores 24/7"]


def _number(r: _Rand, digits: int) -> str:
    return "".join(str(r.below(10)) for _ in range(digits))


def _phone(r: _Rand) -> str:
    return "09" + _number(r, 9) if r.below(3) else "08" + _number(r, 9)


def _code(r: _Rand) -> str:
    return r.pick(["WIN", "CLAIM", "PRIZE", "GO", "YES", "FREE", "STOP"]) + _number(r, 2 + r.below(2))


def _site(r: _Rand) -> str:
    return "www." + r.pick(["txtprize", "mobiwin", "claimnow", "ringz", "getfree", "luckytxt"]) + "." + \
        r.pick(["co.uk", "com", "net"])


def _spam(r: _Rand) -> str:
    form = r.below(11)
    if form == 0:
        return (f"{r.pick(['URGENT!', 'Congratulations!', 'WINNER!!', 'Final notice:'])} You have won "
                f"{r.pick(PRIZES)}! Call {_phone(r)} now to claim. T&Cs apply. {r.pick(['150p/min', '£1.50/msg', '18+'])}")
    if form == 1:
        return (f"You are a winner! You have been specially selected to receive {r.pick(PRIZES)}. "
                f"Txt {_code(r)} to {_number(r, 5)} to claim. Ends {r.pick(['today', 'sat', 'soon'])}")
    if form == 2:
        return (f"Get {r.pick(OFFERS)} when you reply {_code(r)} to {_number(r, 5)}. "
                f"Std rates apply. Txt STOP to end")
    if form == 3:
        return (f"Your mobile number has been selected for {r.pick(PRIZES)}. To claim call {_phone(r)} "
                f"quoting code {_code(r)}. Valid {r.below(12) + 1}hrs only")
    if form == 4:
        return (f"Want to {r.pick(SERVICES)}? Text {_code(r)} to {_number(r, 5)} now! "
                f"{r.pick(['£3/wk', '£1.50/msg', '25p/msg', '£4.50/wk'])} {r.pick(['16+', '18+'])}")
    if form == 5:
        return (f"IMPORTANT: your account has a pending reward of {r.pick(PRIZES)}. Visit {_site(r)} "
                f"or call {_phone(r)} before {r.pick(['midnight', 'Friday', 'it expires'])}")
    if form == 6:
        return (f"FREE entry into our weekly draw for {r.pick(PRIZES)}. Just text {_code(r)} to "
                f"{_number(r, 5)}. {r.pick(['Cost 150p', 'Txt STOP to opt out', 'Over 18s only'])}")
    if form == 7:
        return (f"Hi {r.pick(NAMES)}, been trying to reach u about {r.pick(PRIZES)} u won. "
                f"Call {_phone(r)} asap, it's all yours")
    if form == 8:
        return (f"{r.pick(['Hey', 'Hi there', 'Hello'])}! Its {r.pick(NAMES)}, im new in "
                f"{r.pick(['your area', 'town'])} and want to {r.pick(SERVICES)}. Txt me on {_number(r, 5)} "
                f"{r.pick(['xx', ';-)', ''])}".rstrip())
    if form == 9:
        return (f"Your {r.pick(['subscription', 'service', 'ringtone club'])} renews {r.pick(TIMES)} at "
                f"{r.pick(['£3/wk', '£4.50/wk', '£1.50/msg'])}. To cancel, reply STOP to {_number(r, 5)}")
    return (f"Double your minutes and get {r.pick(OFFERS)}! Call {_phone(r)} or go to {_site(r)} to "
            f"{r.pick(['upgrade', 'claim', 'find out more'])}")


def _ham_sentence(r: _Rand) -> str:
    form = r.below(16)
    if form == 0:
        return f"Are you free {r.pick(TIMES)}? Fancy {r.pick(FOOD)} at {r.pick(PLACES)}"
    if form == 1:
        return f"Running late, be at {r.pick(PLACES)} {r.pick(TIMES)}"
    if form == 2:
        return f"{r.pick(REPLIES)}, see you {r.pick(TIMES)}"
    if form == 3:
        return f"Call me when you get to {r.pick(PLACES)}"
    if form == 4:
        return f"Did we win the {r.pick(['match', 'quiz', 'game'])} last night?"
    if form == 5:
        return f"I'm {r.pick(FEEL)} today, how are you?"
    if form == 6:
        return f"{r.pick(NAMES)} says hi. We're having {r.pick(FOOD)} {r.pick(TIMES)}"
    if form == 7:
        return f"Can you pick up some {r.pick(['milk', 'bread', 'eggs', 'tea bags'])} on the way home?"
    if form == 8:
        return f"Thanks for {r.pick(['today', 'the lift', 'dinner', 'your help'])}, it was {r.pick(['great', 'lovely', 'fun'])}"
    if form == 9:
        return f"Meeting moved to {r.below(5) + 1}pm, let {r.pick(NAMES)} know"
    if form == 10:
        return f"{r.pick(REPLIES)}"
    if form == 11:
        return f"Where are you? I'm at {r.pick(PLACES)}"
    if form == 12:
        return f"Happy birthday {r.pick(NAMES)}! Have a {r.pick(['great', 'lovely', 'wicked'])} day"
    if form == 13:
        return f"Just got your text, will call you back {r.pick(TIMES)}"
    if form == 14:
        return f"Don't forget {r.pick(['your keys', 'the tickets', 'mum', 'the charger'])}"
    return f"Hey {r.pick(NAMES)}, did you get the {r.pick(['photos', 'notes', 'tickets', 'email'])} I sent?"


def _ham(r: _Rand) -> str:
    n = 1 + (r.below(4) == 0) + (r.below(10) == 0) + (r.below(25) == 0) * 3
    sentences = [_ham_sentence(r) for _ in range(n)]
    text = " ".join(s if s[-1] in "?!." or len(sentences) == 1 else s + "." for s in sentences)
    return text.lower() if r.below(6) == 0 else text


def messages(seed: int = 0) -> list[tuple[str, str]]:
    """(label, message) pairs: N_SPAM spam and N_MESSAGES - N_SPAM ham, spam spread evenly."""
    return list(_messages(seed))


@functools.lru_cache(maxsize=4)
def _messages(seed: int) -> tuple[tuple[str, str], ...]:
    r = _Rand(seed)
    out = []
    spam_left, total_left = N_SPAM, N_MESSAGES
    while total_left:
        is_spam = r.below(total_left) < spam_left
        out.append(("spam", _spam(r)) if is_spam else ("ham", _ham(r)))
        spam_left -= is_spam
        total_left -= 1
    return tuple(out)


def sms_spam_collection(seed: int = 0) -> str:
    """The whole collection as the text of an SMSSpamCollection file: `label<TAB>message` lines."""
    return "".join(f"{label}\t{text}\n" for label, text in messages(seed))
