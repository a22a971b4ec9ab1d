"""``python -m course_tools.book``: the same as ``course-book``."""

import sys

from course_tools.book.cli import main

sys.exit(main())
