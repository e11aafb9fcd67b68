// Docker's default seccomp profile (moby profiles/seccomp/default.json) as
// data, in the same shape as a profile file, so that both go through one
// compiler. Default action: EPERM. What is not listed (keyctl, add_key,
// request_key, kexec_*, swapon, userfaultfd, …) is refused; the mount family,
// unshare/setns, bpf, perf_event_open, module loading, reboot, chroot… are
// allowed only with the capability named in `includes.caps`; clone is allowed
// without namespace flags, clone3 answers ENOSYS so that libcs fall back to
// clone (whose flags a classic BPF filter can check).
import type { SeccompProfile, SeccompRule } from './profile.js';

const words = (s: string): string[] => s.trim().split(/\s+/);

/** syscalls allowed for every container */
const ALWAYS = words(`
 accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32
 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
 clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2
 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
 epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat
 fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64
 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_time64
 futex_waitv futimesat getcpu getcwd getdents getdents64 getegid getegid32
 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp
 getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit
 get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday
 getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel
 ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup
 io_submit io_uring_enter io_uring_register io_uring_setup ipc kill landlock_add_rule
 landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat listen
 listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise 
 membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall
 mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64
 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock
 munlockall munmap name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause
 pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll
 ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64
 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg
 recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 restart_syscall
 rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
 rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr
 sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler
 sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity sched_setattr
 sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop
 semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid
 setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid
 setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit
 set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr shmat
 shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall
 socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range
 syncfs sysinfo tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime
 timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64
 timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink
 unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
`);

/**
 * Syscalls newer than the moby default.json revision this list follows
 * (kernel 6.5–6.8: glibc ≥ 2.39 calls fchmodat2 and the futex2 calls and treats
 * only ENOSYS as "fall back"). Allowed like their older counterparts.
 */
const NEWER = words('cachestat fchmodat2 futex_requeue futex_wait futex_wake map_shadow_stack');

/** CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET */
export const CLONE_NAMESPACE_FLAGS = 0x7e020000;

const allowWithCap = (cap: string, names: string): SeccompRule => ({
  names: words(names),
  action: 'SCMP_ACT_ALLOW',
  includes: { caps: [cap] },
});

const personality = (value: number): SeccompRule => ({
  names: ['personality'],
  action: 'SCMP_ACT_ALLOW',
  args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }],
});

export const DOCKER_DEFAULT_PROFILE: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1, // EPERM
  syscalls: [
    { names: ALWAYS, action: 'SCMP_ACT_ALLOW' },
    { names: NEWER, action: 'SCMP_ACT_ALLOW' },
    { names: words('process_vm_readv process_vm_writev ptrace'), action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
    // AF_VSOCK (40) sockets are refused
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] },
    personality(0x0), // PER_LINUX
    personality(0x8), // PER_LINUX32
    personality(0x20000), // UNAME26
    personality(0x20008), // UNAME26|PER_LINUX32
    personality(0xffffffff), // query
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
    { names: ['modify_ldt'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32', 'x86'] } },
    allowWithCap('CAP_DAC_READ_SEARCH', 'open_by_handle_at'),
    allowWithCap(
      'CAP_SYS_ADMIN',
      `bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount mount_setattr
       move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns syslog
       umount umount2 unshare`,
    ),
    {
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] },
    },
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 /* ENOSYS */, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    allowWithCap('CAP_SYS_BOOT', 'reboot'),
    allowWithCap('CAP_SYS_CHROOT', 'chroot'),
    allowWithCap('CAP_SYS_MODULE', 'delete_module init_module finit_module'),
    allowWithCap('CAP_SYS_PACCT', 'acct'),
    allowWithCap('CAP_SYS_PTRACE', 'kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace'),
    allowWithCap('CAP_SYS_RAWIO', 'iopl ioperm'),
    allowWithCap('CAP_SYS_TIME', 'settimeofday stime clock_settime clock_settime64'),
    allowWithCap('CAP_SYS_TTY_CONFIG', 'vhangup'),
    allowWithCap('CAP_SYS_NICE', 'get_mempolicy mbind set_mempolicy set_mempolicy_home_node'),
    allowWithCap('CAP_SYSLOG', 'syslog'),
    allowWithCap('CAP_BPF', 'bpf'),
    allowWithCap('CAP_PERFMON', 'perf_event_open'),
  ],
};
