"""`python -m followtui` runs the same CLI as the console script."""

from followtui.cli import main

main()
