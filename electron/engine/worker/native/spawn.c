/*
 * queuectl's job spawner: starts `/bin/sh -c <command>` with posix_spawn, which glibc implements with
 * clone(CLONE_VM | CLONE_VFORK): the worker's ~50 MB Node heap is not copied as libuv's fork() copies it
 * (bench/README.md, "What limits drain").
 *
 * N-API only (node_api.h, NAPI_VERSION 8), so one build loads in Node and in Electron without a rebuild.
 *
 * spawn(file, argv, env, cwd, fd, umask, onExit) -> pid
 *   The child leads a new session (POSIX_SPAWN_SETSID; setpgroup(0) where the C library lacks it), has
 *   stdin from /dev/null, stdout and stderr on `fd`, every other descriptor closed (glibc >= 2.34's
 *   closefrom action, macOS's POSIX_SPAWN_CLOEXEC_DEFAULT; elsewhere only close-on-exec ones are),
 *   `cwd` (null: the worker's), exactly `env`, the umask given, an empty signal mask and every signal at its
 *   default (Node ignores SIGPIPE; a job must not inherit that). Throws an Error whose code is the errno
 *   name when the spawn fails (e.g. ENOENT for a cwd that vanished since the worker checked it).
 *   onExit(code, signal) is called once, on the JS thread, with the exit code or the signal number.
 *
 * Exit: one detached thread per child waits with waitid(P_PID, pid, WEXITED | WNOWAIT): it waits for that
 * one pid only, so it never reaps a child libuv owns (execa's, for --keep-children runs and hooks), and it
 * does not reap it either: the JS thread does (waitpid on that pid) when it takes the report. The child
 * therefore stays a zombie, its pid and /proc entry valid, until JS has heard of its exit, as with libuv.
 * A plain thread rather than napi async work: a thread of libuv's pool blocked in a wait would occupy the
 * pool for a job's whole run and hold up the process's exit (libuv joins its pool threads at exit).
 * A pidfd polled by the event loop would need no thread but needs libuv's API (uv.h) and Linux >= 5.3.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NSIG
#define NSIG 65
#endif

/* glibc >= 2.29 and macOS >= 10.15 have the chdir file action; elsewhere a cwd cannot be set here. */
#if (defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))) || defined(__APPLE__)
#define HAVE_ADDCHDIR 1
#endif
/* glibc >= 2.34: close every descriptor above stderr in the child (close_range), not only O_CLOEXEC ones. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#define HAVE_ADDCLOSEFROM 1
#endif

#define CHECK(call)                                                        \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error(env, NULL, "queuectl spawn: N-API call failed: " #call); \
      goto done;                                                           \
    }                                                                      \
  } while (0)

typedef struct {
  pid_t pid;
  napi_threadsafe_function tsfn;
} waiter;

static char *copy_string(napi_env env, napi_value value) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *text = malloc(length + 1);
  if (text == NULL) return NULL;
  if (napi_get_value_string_utf8(env, value, text, length + 1, &length) != napi_ok) {
    free(text);
    return NULL;
  }
  return text;
}

/* A NULL-terminated copy of a JS array of strings; NULL on a bad value or no memory. */
static char **copy_strings(napi_env env, napi_value array) {
  uint32_t count = 0;
  if (napi_get_array_length(env, array, &count) != napi_ok) return NULL;
  char **list = calloc((size_t)count + 1, sizeof(char *));
  if (list == NULL) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    if (napi_get_element(env, array, i, &item) != napi_ok || (list[i] = copy_string(env, item)) == NULL) {
      for (uint32_t j = 0; j < i; j++) free(list[j]);
      free(list);
      return NULL;
    }
  }
  return list;
}

static void free_strings(char **list) {
  if (list == NULL) return;
  for (char **p = list; *p != NULL; p++) free(*p);
  free(list);
}

static const char *errno_name(int err) {
  switch (err) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOTDIR: return "ENOTDIR";
    case E2BIG: return "E2BIG";
    case ENOMEM: return "ENOMEM";
    case EAGAIN: return "EAGAIN";
    case ENOEXEC: return "ENOEXEC";
    case EMFILE: return "EMFILE";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    default: return "ESPAWN";
  }
}

/* On the JS thread: reap the child and call onExit(code, signal). */
static void report_exit(napi_env env, napi_value on_exit, void *context, void *data) {
  (void)context;
  waiter *w = data;
  int status = 0;
  pid_t got;
  do got = waitpid(w->pid, &status, 0);
  while (got < 0 && errno == EINTR);
  free(w);
  if (env == NULL || on_exit == NULL) return; /* the environment is going away */
  napi_value args[2], undefined;
  napi_get_null(env, &args[0]);
  napi_get_null(env, &args[1]);
  if (got > 0 && WIFEXITED(status)) napi_create_int32(env, WEXITSTATUS(status), &args[0]);
  else if (got > 0 && WIFSIGNALED(status)) napi_create_int32(env, WTERMSIG(status), &args[1]);
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, on_exit, 2, args, NULL);
}

/* The waiting thread: blocks until the child has exited (leaving it unreaped), then hands over to JS. */
static void *wait_child(void *data) {
  waiter *w = data;
  napi_threadsafe_function tsfn = w->tsfn;
  siginfo_t info;
  int rc;
  do {
    memset(&info, 0, sizeof info);
    rc = waitid(P_PID, (id_t)w->pid, &info, WEXITED | WNOWAIT);
  } while (rc < 0 && errno == EINTR);
  if (napi_call_threadsafe_function(tsfn, w, napi_tsfn_blocking) != napi_ok) free(w);
  napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  return NULL;
}

static napi_value spawn(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value args[7], result = NULL;
  char *file = NULL, *cwd = NULL;
  char **argv = NULL, **envp = NULL;
  int fd = -1, mask = 022, err = 0;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int have_actions = 0, have_attr = 0;
  napi_valuetype cwd_type;

  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 7) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, env, cwd, fd, umask, onExit)");
    return NULL;
  }
  file = copy_string(env, args[0]);
  argv = copy_strings(env, args[1]);
  envp = copy_strings(env, args[2]);
  CHECK(napi_typeof(env, args[3], &cwd_type));
  if (cwd_type == napi_string) cwd = copy_string(env, args[3]);
  CHECK(napi_get_value_int32(env, args[4], &fd));
  CHECK(napi_get_value_int32(env, args[5], &mask));
  if (file == NULL || argv == NULL || envp == NULL || (cwd_type == napi_string && cwd == NULL)) {
    napi_throw_type_error(env, NULL, "spawn: file, argv and env must be strings");
    goto done;
  }
#ifndef HAVE_ADDCHDIR
  if (cwd != NULL) {
    napi_throw_error(env, "ENOTSUP", "spawn: this C library cannot set a child's working directory");
    goto done;
  }
#endif

  if ((err = posix_spawn_file_actions_init(&actions)) != 0) goto failed;
  have_actions = 1;
  if ((err = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) != 0) goto failed;
  if ((err = posix_spawn_file_actions_adddup2(&actions, fd, 1)) != 0) goto failed;
  if ((err = posix_spawn_file_actions_adddup2(&actions, fd, 2)) != 0) goto failed;
#ifdef HAVE_ADDCLOSEFROM
  if ((err = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) != 0) goto failed;
#endif
#ifdef HAVE_ADDCHDIR
  if (cwd != NULL && (err = posix_spawn_file_actions_addchdir_np(&actions, cwd)) != 0) goto failed;
#endif

  if ((err = posix_spawnattr_init(&attr)) != 0) goto failed;
  have_attr = 1;
  sigset_t none, all;
  sigemptyset(&none);
  sigemptyset(&all);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaddset(&all, sig); /* glibc refuses its internal ones: fine */
  }
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#ifdef POSIX_SPAWN_SETSID
  flags |= POSIX_SPAWN_SETSID;
#else
  flags |= POSIX_SPAWN_SETPGROUP; /* group 0: its own; no new session without the flag */
  if ((err = posix_spawnattr_setpgroup(&attr, 0)) != 0) goto failed;
#endif
#if defined(POSIX_SPAWN_CLOEXEC_DEFAULT) && !defined(HAVE_ADDCLOSEFROM)
  flags |= POSIX_SPAWN_CLOEXEC_DEFAULT; /* macOS: only the descriptors the file actions set are inherited */
#endif
  if ((err = posix_spawnattr_setflags(&attr, flags)) != 0) goto failed;
  if ((err = posix_spawnattr_setsigmask(&attr, &none)) != 0) goto failed;
  if ((err = posix_spawnattr_setsigdefault(&attr, &all)) != 0) goto failed;

  waiter *w = calloc(1, sizeof(waiter));
  if (w == NULL) {
    err = ENOMEM;
    goto failed;
  }
  napi_value name;
  CHECK(napi_create_string_utf8(env, "queuectl spawn exit", NAPI_AUTO_LENGTH, &name));
  if (napi_create_threadsafe_function(env, args[6], NULL, name, 0, 1, NULL, NULL, NULL, report_exit, &w->tsfn) != napi_ok) {
    free(w);
    napi_throw_error(env, NULL, "spawn: onExit must be a function");
    goto done;
  }

  /* The umask is per process and posix_spawn has no attribute for it: set around the call, on this thread. */
  mode_t previous = umask((mode_t)mask);
  err = posix_spawn(&w->pid, file, &actions, &attr, argv, envp);
  umask(previous);
  if (err != 0) {
    napi_release_threadsafe_function(w->tsfn, napi_tsfn_abort);
    free(w);
    goto failed;
  }

  /* The waiter takes no signals (libuv's SIGCHLD and the rest stay with the JS thread), and is never joined. */
  pthread_t thread;
  pthread_attr_t thread_attr;
  sigset_t blocked, old;
  sigfillset(&blocked);
  pthread_attr_init(&thread_attr);
  pthread_attr_setdetachstate(&thread_attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&thread_attr, 64 * 1024);
  pthread_sigmask(SIG_SETMASK, &blocked, &old);
  int started = pthread_create(&thread, &thread_attr, wait_child, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&thread_attr);
  pid_t pid = w->pid;
  if (started != 0) {
    /* No thread, no report: the child would never be reported. Kill it, and say why. */
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    napi_release_threadsafe_function(w->tsfn, napi_tsfn_abort);
    free(w);
    err = started;
    goto failed;
  }
  CHECK(napi_create_int32(env, pid, &result));
  goto done;

failed: {
  char message[256];
  snprintf(message, sizeof message, "posix_spawn %s: %s", file ? file : "?", strerror(err));
  napi_throw_error(env, errno_name(err), message);
}
done:
  if (have_actions) posix_spawn_file_actions_destroy(&actions);
  if (have_attr) posix_spawnattr_destroy(&attr);
  free(file);
  free(cwd);
  free_strings(argv);
  free_strings(envp);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, spawn, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "spawn", fn) != napi_ok) return NULL;
  return exports;
}
