#!/bin/sh
# Runs inside the built image.
echo "$GREETING, $(cat /app/name.txt)! $(cat /app/message.txt)"
echo "I am $(id -un), in $(pwd), on $(uname -s)."
