"""Prints the arguments given after `dstack run hello-args`."""
import sys

print("args:", sys.argv[1:])
