"""``python -m course_tools.staging``: the same as ``course-data``."""

import sys

from course_tools.staging.cli import main

sys.exit(main())
