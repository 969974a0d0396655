/* SPDX-License-Identifier: MIT */
/* sched.c: threads, the round-robin scheduler with time slices, sleeping with timeouts, and wait queues. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "net.h"
#include "platform.h"
#include "sched.h"
#include "signal.h"
#include <linux/sched.h>
#include "../arch/x86_64/x86.h"

#define KSTACK_PAGES 4
#define TIMESLICE_NS 10000000ULL   /* 10 ms */

struct thread *current;
bool need_resched;
struct waitq poll_waitq = WAITQ_INIT(poll_waitq);

static struct list runq = LIST_INIT(runq);        /* runnable threads that are not running */
static struct list timers = LIST_INIT(timers);    /* blocked threads with a deadline, earliest first */
static struct list zombies = LIST_INIT(zombies);  /* exited threads whose stacks can be freed */
static struct list ktimers = LIST_INIT(ktimers);  /* kernel timers, earliest first */
static int next_tid = 1;
static uint64_t slice_start;
static uint64_t run_start;      /* when current last started running, for CPU time */
static uint64_t run_steal;      /* the steal time then (clock_now_and_steal) */
static bool idle;               /* halted in schedule(): current is not running, its time is not CPU time */

static void arm_timer(void);

/* Freed kernel stacks are kept for the next thread: a stack is KSTACK_PAGES contiguous pages. */
static void *stack_cache;

static void *kstack_alloc(void)
{
	void *s = stack_cache;
	if (s) {
		stack_cache = *(void **)s;
		return s;
	}
	return page_alloc_n_dirty(KSTACK_PAGES);
}

static void kstack_free(void *s)
{
	*(void **)s = stack_cache;
	stack_cache = s;
}

void sched_init(void)
{
}

struct thread *thread_create(struct proc *proc, const struct trapframe *tf)
{
	struct thread *t = kzalloc(sizeof(*t));
	uint64_t *sp;

	if (!t)
		return NULL;
	t->kstack = kstack_alloc();
	if (!t->kstack) {
		kfree(t);
		return NULL;
	}
	t->tid = next_tid++;
	t->syscall_nr = -1;
	t->proc = proc;
	t->tf = (struct trapframe *)((char *)t->kstack + KSTACK_PAGES * PAGE_SIZE) - 1;
	*t->tf = *tf;
	/* The frame context_switch pops: six callee-saved registers, then the return address. */
	sp = (uint64_t *)t->tf;
	*--sp = (uint64_t)thread_entry_user;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->ksp = (uint64_t)sp;
	/* FXSAVE image of a reset FPU: FCW 0x37f, MXCSR 0x1f80. */
	t->fpu[0] = 0x7f;
	t->fpu[1] = 0x03;
	t->fpu[24] = 0x80;
	t->fpu[25] = 0x1f;
	list_init(&t->wait_link);
	list_init(&t->timer_link);
	list_add_tail(&proc->threads, &t->proc_link);
	proc->nr_threads++;
	t->state = THREAD_RUNNABLE;
	list_add_tail(&runq, &t->runq_link);
	/* Someone is waiting now: the running thread's time slice must end. */
	arm_timer();
	return t;
}

static void arm_timer(void)
{
	uint64_t deadline = 0;

	if (!list_empty(&timers))
		deadline = list_entry(timers.next, struct thread, timer_link)->wake_deadline;
	if (!list_empty(&ktimers)) {
		uint64_t k = list_entry(ktimers.next, struct ktimer, link)->deadline;
		if (!deadline || k < deadline)
			deadline = k;
	}
	/*
	 * A slice ends only for a thread that runs: one that was woken while the
	 * CPU idled sits in the run queue itself, and schedule() arms again once
	 * it runs.  (Its old slice_start would give a past deadline, and a timer
	 * that fires at once, as Xen's does, would keep the idle loop from ever
	 * getting to pick it.)
	 */
	if (!list_empty(&runq) && current && current->state == THREAD_RUNNABLE &&
	    list_empty(&current->runq_link)) {
		uint64_t slice_end = slice_start + TIMESLICE_NS;
		if (!deadline || slice_end < deadline)
			deadline = slice_end;
	}
	plat_timer_arm(deadline);
}

static void switch_to(struct thread *next)
{
	struct thread *prev = current;

	if (prev) {
		arch_fpu_save(prev->fpu);
		if (prev->proc->vm != next->proc->vm)
			vm_activate(next->proc->vm);
	} else {
		vm_activate(next->proc->vm);
	}
	arch_user_state_load(next->fpu, next->fs_base, next->gs_base);
	cpu_set_kernel_stack((uint64_t)next->kstack + KSTACK_PAGES * PAGE_SIZE);
	current = next;
	if (prev) {
		context_switch(&prev->ksp, next->ksp);
	} else {
		uint64_t dummy;
		context_switch(&dummy, next->ksp);
	}
}

static void reap_zombies(void)
{
	while (!list_empty(&zombies)) {
		struct thread *t = list_entry(zombies.next, struct thread, runq_link);
		if (t == current)
			break;
		struct proc *p = t->free_proc ? t->proc : NULL;
		list_del(&t->runq_link);
		kstack_free(t->kstack);
		kfree(t);
		/* A process nobody waits for goes with its last thread (a reaped one may be gone already). */
		if (p)
			proc_free(p);
	}
}

/* The first runnable thread of the highest real-time priority (0 for ordinary threads). */
static struct thread *pick_next(void)
{
	struct thread *best = list_entry(runq.next, struct thread, runq_link);
	struct list *it;

	list_for_each(it, &runq) {
		struct thread *t = list_entry(it, struct thread, runq_link);
		if (t->rt_priority > best->rt_priority)
			best = t;
	}
	return best;
}

/* Whether some waiting thread should take the CPU from current at the end of its slice. */
static bool others_waiting(void)
{
	struct list *it;

	list_for_each(it, &runq) {
		struct thread *t = list_entry(it, struct thread, runq_link);
		/* SCHED_FIFO keeps the CPU against equals; everyone else shares it with them. */
		if (t->rt_priority > current->rt_priority ||
		    (t->rt_priority == current->rt_priority && current->policy != SCHED_FIFO))
			return true;
	}
	return false;
}

/*
 * What current has run since run_start, up to now (now and steal from one
 * clock_now_and_steal): the time gone by less the time the hypervisor ran
 * something else instead (steal time), which no thread of ours used.
 */
static uint64_t ran_since_start(uint64_t now, uint64_t steal)
{
	uint64_t elapsed = now - run_start, stolen = steal - run_steal;

	return stolen < elapsed ? elapsed - stolen : 0;
}

void schedule(void)
{
	struct thread *prev = current, *next;
	uint64_t steal, now = clock_now_and_steal(&steal);

	/* CPU time: what prev ran since it last started; idle time counts for nobody. */
	if (prev) {
		uint64_t ran = ran_since_start(now, steal);

		prev->cpu_ns += ran;
		prev->proc->cpu_ns += ran;
	}
	if (prev && prev->state == THREAD_RUNNABLE && list_empty(&prev->runq_link))
		list_add_tail(&runq, &prev->runq_link);
	if (list_empty(&runq))
		net_idle();
	net_tx_flush();
	idle = true;
	while (list_empty(&runq)) {
		arm_timer();
		/* Interrupts are taken only here and in user mode; the timer handler wakes sleepers. */
		sti_hlt();
		now = clock_now_and_steal(&steal);
	}
	idle = false;
	next = pick_next();
	list_del(&next->runq_link);
	run_start = now;
	run_steal = steal;
	if (next != prev) {
		slice_start = run_start;
		switch_to(next);
	}
	reap_zombies();
	arm_timer();
}

void sched_wait_interrupt(void)
{
	arm_timer();
	sti_hlt();
}

void sched_start(void)
{
	current = NULL;
	schedule();
	panic("sched_start: returned");
}

void sched_yield_now(void)
{
	need_resched = false;
	if (!list_empty(&runq))
		schedule();
}

static void timer_remove(struct thread *t)
{
	if (t->wake_deadline) {
		list_del(&t->timer_link);
		t->wake_deadline = 0;
	}
}

void sched_wakeup(struct thread *t, int reason)
{
	if (t->state != THREAD_BLOCKED)
		return;
	if (t->waiting_on) {
		list_del(&t->wait_link);
		t->waiting_on = NULL;
	}
	timer_remove(t);
	t->wake_reason = reason;
	t->state = THREAD_RUNNABLE;
	list_add_tail(&runq, &t->runq_link);
	arm_timer();
}

/* Blocks the current thread until sched_wakeup() or the deadline; returns the wake reason. */
static int sched_block(uint64_t deadline_ns)
{
	struct thread *t = current;

	t->state = THREAD_BLOCKED;
	t->wake_reason = 0;
	if (deadline_ns) {
		struct list *it;
		t->wake_deadline = deadline_ns;
		list_for_each(it, &timers)
			if (list_entry(it, struct thread, timer_link)->wake_deadline > deadline_ns)
				break;
		list_insert_after(it->prev, &t->timer_link);
	}
	schedule();
	return t->wake_reason;
}

void ktimer_add(struct ktimer *t, uint64_t deadline_ns)
{
	struct list *it;

	ktimer_cancel(t);
	t->deadline = deadline_ns ? deadline_ns : 1;
	list_for_each(it, &ktimers)
		if (list_entry(it, struct ktimer, link)->deadline > t->deadline)
			break;
	list_insert_after(it->prev, &t->link);
	arm_timer();
}

void ktimer_cancel(struct ktimer *t)
{
	if (t->deadline) {
		list_del(&t->link);
		t->deadline = 0;
	}
}

void sched_tick(void)
{
	uint64_t now = clock_monotonic_ns();

	while (!list_empty(&ktimers)) {
		struct ktimer *k = list_entry(ktimers.next, struct ktimer, link);
		if (k->deadline > now)
			break;
		list_del(&k->link);
		k->deadline = 0;
		k->fn(k);
	}

	while (!list_empty(&timers)) {
		struct thread *t = list_entry(timers.next, struct thread, timer_link);
		if (t->wake_deadline > now)
			break;
		sched_wakeup(t, -ETIMEDOUT);
	}
	if (current && current->state == THREAD_RUNNABLE && !list_empty(&runq) &&
	    now - slice_start >= TIMESLICE_NS && others_waiting())
		need_resched = true;
	arm_timer();
}

int waitq_wait(struct waitq *q, uint64_t deadline_ns)
{
	if (signal_pending_deliverable())
		return -EINTR;
	if (deadline_ns && deadline_ns <= clock_monotonic_ns())
		return -ETIMEDOUT;
	current->waiting_on = q;
	list_add_tail(&q->waiters, &current->wait_link);
	return sched_block(deadline_ns);
}

void waitq_wake_one(struct waitq *q)
{
	if (!list_empty(&q->waiters))
		sched_wakeup(list_entry(q->waiters.next, struct thread, wait_link), 0);
}

void waitq_wake_all(struct waitq *q)
{
	while (!list_empty(&q->waiters))
		sched_wakeup(list_entry(q->waiters.next, struct thread, wait_link), 0);
}

uint64_t poll_generation;

void poll_notify(void)
{
	poll_generation++;
	waitq_wake_all(&poll_waitq);
}

void thread_exit(int status)
{
	struct thread *t = current;
	struct proc *p = t->proc;

	if (t->clear_child_tid) {
		uint32_t zero = 0;
		if (copy_to_user((void *)t->clear_child_tid, &zero, sizeof(zero)) == 0)
			futex_wake((uint32_t *)t->clear_child_tid, 1, ~0u);
	}
	list_del(&t->proc_link);
	if (--p->nr_threads == 0) {
		proc_last_thread_gone(p, status);
		t->free_proc = p->autoreap;
	}
	t->state = THREAD_DEAD;
	list_add_tail(&zombies, &t->runq_link);
	schedule();
	panic("thread_exit: a dead thread was scheduled");
}

struct thread *thread_find(int tid)
{
	struct list *it;

	list_for_each(it, &current_proc()->threads) {
		struct thread *t = list_entry(it, struct thread, proc_link);
		if (t->tid == tid)
			return t;
	}
	return NULL;
}

/* current's CPU time since it last started running. */
static uint64_t current_ran(void)
{
	uint64_t steal, now = clock_now_and_steal(&steal);

	return ran_since_start(now, steal);
}

uint64_t thread_cpu_ns(struct thread *t)
{
	return t->cpu_ns + (t == current && !idle ? current_ran() : 0);
}

uint64_t proc_cpu_ns(struct proc *p)
{
	return p->cpu_ns + (current && current->proc == p && !idle ? current_ran() : 0);
}

void sched_interrupt_thread(struct thread *t)
{
	sched_wakeup(t, -EINTR);
}
