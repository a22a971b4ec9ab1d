"""Student ids: from the names (and LMS user ids) files arrive with, stable across runs, never merging two people.

``known`` (kept in the log from one collect to the next) maps name keys (``student_name_key``) and LMS user ids
(``"ID:" + user id``; a name key is case-folded, so it never starts with "ID:") to the ids given so far.
"""

import hashlib
import re
import unicodedata

USER_ID_PREFIX = "ID:"


def student_name_key(text: str) -> str:
    """The form in which two spellings of one name are the same: Unicode NFC, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def clean_student_id(text: str) -> str:
    """A student id nbgrader can use as a folder name: case-folded letters (any alphabet) and digits, ``.``,
    ``-`` and ``_``; every other run of characters becomes ``_``; no leading dot."""
    return re.sub(r"[^\w.-]+", "_", student_name_key(text)).strip("_.")


def user_key(user_id: str) -> str:
    """The key of an LMS user id in ``known``."""
    return f"{USER_ID_PREFIX}{user_id}"


def _bound_ids(known: dict[str, str]) -> dict[str, str]:
    """{student id: LMS user id} for the ids that belong to an LMS user."""
    return {sid: key[len(USER_ID_PREFIX) :] for key, sid in known.items() if key.startswith(USER_ID_PREFIX)}


def _known_id(key: str, user_id: str, known: dict[str, str]) -> str | None:
    """The id already given to this LMS user, or to this name if that id is not another LMS user's."""
    if user_id and user_key(user_id) in known:
        return known[user_key(user_id)]
    if key not in known:
        return None
    owner = _bound_ids(known).get(known[key])
    if user_id and owner is not None and owner != user_id:
        return None  # the same name, another person
    if user_id:
        known[user_key(user_id)] = known[key]
    return known[key]


def assign_student_id(name: str, known: dict[str, str], user_id: str = "") -> tuple[str, str | None]:
    """The id of the student called ``name`` (with LMS user id ``user_id`` if the LMS gave one).

    ``known`` is updated (see the module doc). The LMS user id decides first: two people of one name with two
    user ids are two students. A name whose clean id is already another student's gets the id plus ``-`` and
    six hex digits of a hash of its name (or user id). Returns (id, problem or None); the id is ``""`` when no
    distinct id exists (a name with no letter or digit, or a clash of hashes).
    """
    key = student_name_key(name)
    found = _known_id(key, user_id, known)
    if found is not None:
        return found, None
    base = clean_student_id(name)
    if not base:
        return "", None
    taken = set(known.values())
    salt = user_key(user_id) if user_id else key
    student = base if base not in taken else f"{base}-{hashlib.sha1(salt.encode()).hexdigest()[:6]}"
    if student in taken:
        return "", f"its student name '{name}' gives the id '{base}', which another name already has"
    known.setdefault(key, student)
    if user_id:
        known[user_key(user_id)] = student
    problem = (
        None
        if student == base
        else (
            f"the student name '{name}' reads as '{base}', the id of another "
            f"student, so it was given the id '{student}'"
        )
    )
    return student, problem
