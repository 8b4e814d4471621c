"""``python -m components``: the same as the installed ``ft-dashboard`` command."""

from components.launch import main

main()
