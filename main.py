# What the board runs after boot.py: all of the product is in lib/wifiprov.
import wifiprov.app

wifiprov.app.run()
