from nnscratch.cli import entry

entry()
