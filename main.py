# What the board runs after boot.py: wifiprov's services, then your program,
# the main() of app.py beside this file (docs/app.md), if there is one.
import wifiprov

wifiprov.run()
