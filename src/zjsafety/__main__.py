from zjsafety.cli import main

main()
