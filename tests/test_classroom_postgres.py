"""The gradebook on a real PostgreSQL server (tests/postgres_server.py, started for the session): the same small
class (the toy assignment) graded through the real classroom CLI into PostgreSQL and into SQLite gets the same
scores and grade sheet; grading again leaves one submission per student; an unreachable database stops every
step before it writes anything, with a message that names the address (never its password) and the fix."""

import csv
import sys

import pytest
import sqlalchemy

import postgres_server
import toy_assignment
from classroom_inbox import CHAPTER, classroom, student_notebook, write
from course_tools.processes import run
from helpers import scores
from postgres_server import engine, new_database, use_database

# Students and what each answered wrongly (grade id of the answer cell: the code typed there).
WRONG = {
    "ada": {},
    "bo": {"softmax_solution": "def softmax(logits):\n    return logits"},
    "cy": {"accuracy_solution": "def accuracy(labels, probabilities):\n    return 0.0"},
    "dee": {"scale_solution": "def scale(images):\n    raise NotImplementedError()"},
}
SUBMISSIONS_PER_STUDENT = """
    SELECT s.student_id, count(*) FROM submitted_assignment s JOIN assignment a ON a.id = s.assignment_id
    WHERE a.name = :chapter GROUP BY s.student_id"""
GRADES_PER_STUDENT = """
    SELECT s.student_id, count(*) FROM grade g JOIN submitted_notebook n ON n.id = g.notebook_id
    JOIN submitted_assignment s ON s.id = n.assignment_id GROUP BY s.student_id"""


def grade_class(course, inbox):
    """Release, collect, grade and export the class in ``inbox``; return (grade's output, the grade sheet)."""
    classroom(course, "release", CHAPTER)
    classroom(course, "collect", str(inbox))
    output = classroom(course, "grade", CHAPTER, "--no-sandbox", "--jobs", "2", "--timeout", "60")
    classroom(course, "export", "--output", str(course / "grades.csv"))
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        return output, list(csv.DictReader(handle))


def query(url, sql):
    """{student: count} from ``sql`` run on the database at ``url`` directly (not through nbgrader)."""
    database = engine(url)
    try:
        with database.connect() as connection:
            return dict(connection.execute(sqlalchemy.text(sql), {"chapter": CHAPTER}).all())
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def classes(postgres_url, tmp_path_factory):
    """The class graded into SQLite and into PostgreSQL (there twice): {"sqlite"|"postgres": (course, sheet),
    "url": the PostgreSQL gradebook, "again": the output of grading it all again (--force), "sheet_again": the
    sheet after it}."""
    sqlite_course = toy_assignment.write_course(tmp_path_factory.mktemp("sqlite"))
    pg_course = toy_assignment.write_course(tmp_path_factory.mktemp("postgres"))
    classroom(sqlite_course, "release", CHAPTER)
    release = sqlite_course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
    inbox = tmp_path_factory.mktemp("inbox")
    for student, changes in WRONG.items():
        write(inbox / student / f"{CHAPTER}.ipynb", student_notebook(release, **changes))
    url = new_database(postgres_url, "toy_class")
    use_database(pg_course, url)
    _, sqlite_sheet = grade_class(sqlite_course, inbox)
    _, pg_sheet = grade_class(pg_course, inbox)
    # grade every submission again (--force: unchanged submissions are otherwise skipped) into the same database
    again = classroom(pg_course, "grade", CHAPTER, "--no-sandbox", "--jobs", "2", "--timeout", "60", "--force")
    classroom(pg_course, "export", "--output", str(pg_course / "grades-again.csv"))
    with open(pg_course / "grades-again.csv", newline="", encoding="utf-8") as handle:
        sheet_again = list(csv.DictReader(handle))
    return {
        "sqlite": (sqlite_course, sqlite_sheet),
        "postgres": (pg_course, pg_sheet),
        "url": url,
        "again": again,
        "sheet_again": sheet_again,
    }


@pytest.mark.slow
def test_postgres_and_sqlite_give_every_student_the_same_scores(classes):
    sqlite_course, pg_course = classes["sqlite"][0], classes["postgres"][0]
    found = {student: scores(pg_course, CHAPTER, student) for student in WRONG}
    assert found == {student: scores(sqlite_course, CHAPTER, student) for student in WRONG}
    best = max(score for score, _, _ in found.values())
    assert found["ada"][0] == found["ada"][1] == best, "the student who answered everything scores full marks"
    assert all(found[student][0] < best for student in WRONG if WRONG[student]), found


@pytest.mark.slow
def test_the_postgres_class_is_really_in_postgres(classes):
    pg_course = classes["postgres"][0]
    assert not (pg_course / "gradebook.db").exists(), "no SQLite gradebook beside a PostgreSQL one"
    assert (classes["sqlite"][0] / "gradebook.db").is_file()
    assert sorted(query(classes["url"], SUBMISSIONS_PER_STUDENT)) == sorted(WRONG)


@pytest.mark.slow
def test_export_reads_the_same_grade_sheet_from_postgres(classes):
    def sheet(rows):
        return sorted((row["student"], row["score"], row["max_score"], row["final_score"]) for row in rows)

    assert sheet(classes["postgres"][1]) == sheet(classes["sqlite"][1])
    assert sorted(row["student"] for row in classes["postgres"][1]) == sorted(WRONG)


@pytest.mark.slow
def test_grading_twice_leaves_one_submission_and_one_grade_per_test_per_student(classes):
    assert query(classes["url"], SUBMISSIONS_PER_STUDENT) == dict.fromkeys(WRONG, 1)
    grades = query(classes["url"], GRADES_PER_STUDENT)
    assert sorted(grades) == sorted(WRONG) and len(set(grades.values())) == 1, grades
    _, _, cells = scores(classes["postgres"][0], CHAPTER, "ada")
    assert set(grades.values()) == {len(cells)}, "one grade per test cell"
    assert f"graded {len(WRONG)} notebooks" in classes["again"]
    assert classes["sheet_again"] == classes["postgres"][1]


@pytest.mark.parametrize("command", ["release", "grade"])
def test_an_unreachable_database_stops_the_step_before_it_writes_and_says_how_to_fix_it(tmp_path, command):
    course = toy_assignment.write_course(tmp_path / "course")
    url = f"postgresql://grader:s3cret-pw@/grades?host={tmp_path / 'no-server-here'}"
    use_database(course, url)
    args = [command, CHAPTER] + (["--no-sandbox"] if command == "grade" else [])
    result = run([sys.executable, "-m", "course_tools.classroom", "--course", course, *args], timeout=120)
    output = result.stdout
    assert result.returncode == 1, output
    shown = f"postgresql+psycopg2://grader:***@/grades?host={tmp_path}/no-server-here"
    assert f"cannot open the gradebook at {shown}" in output, "the address, its password hidden"
    assert "connection to server on socket" in output, "the driver's own first line"
    assert "Is the database server running" in output and "postgresql://USER" in output, "how to fix it"
    assert "s3cret-pw" not in output and "Traceback" not in output, output
    written = sorted(p.relative_to(course).parts[0] for p in course.iterdir())
    assert written == ["nbgrader_config.py", "solutions"], "nothing written"


def test_without_debians_postgresql_the_fixture_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(postgres_server, "POSTGRES_ROOT", tmp_path)
    with pytest.raises(postgres_server.PostgresMissing, match="`make test` installs Debian's postgresql"):
        postgres_server.postgres_bin()
    (tmp_path / "9.6" / "bin").mkdir(parents=True)
    (tmp_path / "16" / "bin").mkdir(parents=True)
    for version in ("9.6", "16"):
        (tmp_path / version / "bin" / "initdb").touch()
    assert postgres_server.postgres_bin() == tmp_path / "16" / "bin", "the newest version"
