"""The cluster side of benchmarks/grading_throughput.py: a fresh PostgreSQL gradebook per run, the scheduler's
round trip per submission, and killing a busy worker halfway through a class (in a cluster of 2 or more)."""

import os
import signal
import time

from course_tools.classroom.log import POSTGRES_DRIVER


def fresh_database(server_url, name):
    """Create the database ``name`` on the PostgreSQL server of ``server_url``; return its address."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    engine = create_engine(url.set(drivername=f"postgresql+{POSTGRES_DRIVER}"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_databases(server_url, names):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(
        make_url(server_url).set(drivername=f"postgresql+{POSTGRES_DRIVER}"), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()


def round_trip(client, payload, repeat=20):
    """Mean seconds of a task that carries ``payload`` (a submission's bytes) and does nothing: the scheduler's
    overhead per submission."""
    client.submit(len, payload, pure=False).result()  # warm up
    started = time.monotonic()
    for _ in range(repeat):
        client.submit(len, payload, pure=False).result()
    return (time.monotonic() - started) / repeat


def killer(client, size):
    """An ``on_line`` that kills one busy worker when half of ``size`` submissions were graded; its ``killed``
    list holds the killed worker's address."""
    pids, finished, killed = client.run(os.getpid), [0], []

    def on_line(line):
        finished[0] += ": graded in" in line or ": NOT graded in" in line
        if finished[0] >= size // 2 and not killed:
            busy = [worker for worker, tasks in client.processing().items() if tasks]
            if busy:
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(busy[0])

    on_line.killed = killed
    return on_line
