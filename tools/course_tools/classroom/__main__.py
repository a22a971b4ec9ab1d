from course_tools.classroom.cli import main

main()
