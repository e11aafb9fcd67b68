// Runs a command on a real pseudo-terminal (Python's pty module: node has
// none), stepping through a script: once the screen shows a text, send input
// or resize the terminal (TIOCSWINSZ on the master: the kernel sends SIGWINCH
// to the terminal's foreground process group, as a terminal emulator does).
import { execFileSync } from 'node:child_process';

export type PtyStep = { after: string; send?: string; resize?: [rows: number, cols: number]; pauseMs?: number };

const DRIVER = `
import fcntl, json, os, pty, struct, sys, termios, time
argv, steps, size, mark = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4] == "1"
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
def winsize(rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
winsize(*size)
screen = b""
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    screen += data
    while steps and steps[0]["after"].encode() in screen:
        step = steps.pop(0)
        if mark:
            screen += b"<step>"
        if "resize" in step:
            winsize(*step["resize"])
        time.sleep(step.get("pauseMs", 0) / 1000)
        if "send" in step:
            os.write(fd, step["send"].encode())
_, status = os.waitpid(pid, 0)
sys.stdout.write(screen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
`;

/** the screen (with `mark`, `<step>` where each step was taken) and the exit status */
export function onTerminal(argv: string[], steps: PtyStep[], options: { env?: NodeJS.ProcessEnv; cwd?: string; size?: [number, number]; mark?: boolean } = {}): { code: number; screen: string } {
  try {
    const screen = execFileSync('python3', ['-c', DRIVER, JSON.stringify(argv), JSON.stringify(steps), JSON.stringify(options.size ?? [24, 80]), options.mark ? '1' : '0'], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: 0, screen };
  } catch (err) {
    const e = err as { status?: number; stdout?: string };
    return { code: e.status ?? -1, screen: e.stdout ?? '' };
  }
}
