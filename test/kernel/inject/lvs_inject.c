// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only IPVS scheduler "lvsinject" for lvs-agentx's real-kernel test.
 *
 * Per-real connection and packet counters above 2^32 cannot be produced with real traffic in an emulated guest
 * (2^32 packets at the ~40k packets/s a TCG guest forwards take about 30 hours). This module adds a given
 * amount to the kernel's own per-CPU IPVS counters, exactly where ip_vs_in_stats()/ip_vs_conn_stats() add
 * for each packet and connection: to every real server of a service and to the service itself. Everything
 * after that is the stock kernel: the estimator folds the per-CPU counters into the totals, and netlink
 * reports them (IPVS_DEST_ATTR_STATS64), which is what lvs-agentx reads and ipvsadm 1.31 truncates.
 *
 * Use: insmod lvs_inject.ko conns=N inpkts=N outpkts=N inbytes=N outbytes=N
 *      ipvsadm -E -t VIP:PORT -s lvsinject   # binding the scheduler adds the amounts once, to every real
 *      ipvsadm -E -t VIP:PORT -s wlc         # back to a real scheduler
 * Each bind logs one line to the kernel log with the amounts and the number of reals it added them to.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/u64_stats_sync.h>
#include <net/ip_vs.h>

static unsigned long long conns, inpkts, outpkts, inbytes, outbytes;
module_param(conns, ullong, 0644);
module_param(inpkts, ullong, 0644);
module_param(outpkts, ullong, 0644);
module_param(inbytes, ullong, 0644);
module_param(outbytes, ullong, 0644);

static void add_to(struct ip_vs_stats *stats, u64 times)
{
	struct ip_vs_cpu_stats *s;

	local_bh_disable();
	s = this_cpu_ptr(stats->cpustats);
	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->cnt.conns, conns * times);
	u64_stats_add(&s->cnt.inpkts, inpkts * times);
	u64_stats_add(&s->cnt.outpkts, outpkts * times);
	u64_stats_add(&s->cnt.inbytes, inbytes * times);
	u64_stats_add(&s->cnt.outbytes, outbytes * times);
	u64_stats_update_end(&s->syncp);
	local_bh_enable();
}

static int inject_init_service(struct ip_vs_service *svc)
{
	struct ip_vs_dest *dest;
	u64 n = 0;

	list_for_each_entry(dest, &svc->destinations, n_list) {
		add_to(&dest->stats, 1);
		n++;
	}
	add_to(&svc->stats, n);
	pr_info("lvsinject: fwmark %u port %u: added conns=%llu inpkts=%llu outpkts=%llu inbytes=%llu outbytes=%llu to %llu reals\n",
		svc->fwmark, ntohs(svc->port), conns, inpkts, outpkts, inbytes, outbytes, n);
	return 0;
}

static struct ip_vs_dest *inject_schedule(struct ip_vs_service *svc, const struct sk_buff *skb,
					  struct ip_vs_iphdr *iph)
{
	struct ip_vs_dest *dest;

	list_for_each_entry_rcu(dest, &svc->destinations, n_list) {
		if (!(dest->flags & IP_VS_DEST_F_OVERLOAD) && atomic_read(&dest->weight) > 0)
			return dest;
	}
	ip_vs_scheduler_err(svc, "no destination available");
	return NULL;
}

static struct ip_vs_scheduler inject_scheduler = {
	.name = "lvsinject",
	.refcnt = ATOMIC_INIT(0),
	.module = THIS_MODULE,
	.n_list = LIST_HEAD_INIT(inject_scheduler.n_list),
	.init_service = inject_init_service,
	.schedule = inject_schedule,
};

static int __init inject_init(void)
{
	return register_ip_vs_scheduler(&inject_scheduler);
}

static void __exit inject_exit(void)
{
	unregister_ip_vs_scheduler(&inject_scheduler);
	synchronize_rcu();
}

module_init(inject_init);
module_exit(inject_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lvs-agentx test: add given amounts to an IPVS service's per-CPU counters");
