"""The maintainers' side of the course: grading (``classroom``, ``guards``, ``sandbox``), the Colab links
(``links``), the book build (``book``), the staging of offline data (``staging``, the ``course-data``
command), and the course's layout (``layout``) that all of them ask.

Installed by ``make venv`` as ``pip install -e tools`` (distribution ``course-tools``); learners never need it.
"""
