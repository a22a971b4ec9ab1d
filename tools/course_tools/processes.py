"""Running a command whose process tree must not outlive it: nbgrader (its kernels run in sessions of their
own), the classroom command, the book build."""

import subprocess


def run(command, *, cwd=None, env=None, timeout=None):
    """Run ``command`` (a list) with stdout and stderr merged; return a ``CompletedProcess``.

    ``returncode`` is ``None`` when ``timeout`` (seconds) passed: the command and every process it started
    are then killed, as they are when waiting is interrupted (Ctrl-C, a test's time limit)."""
    from course_tools.sandbox import kill_tree

    command = [str(part) for part in command]
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        output, _ = proc.communicate()
        return subprocess.CompletedProcess(command, None, output)
    except BaseException:
        kill_tree(proc.pid)
        raise
    return subprocess.CompletedProcess(command, proc.returncode, output)
