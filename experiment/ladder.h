/*
 * experiment/ladder.h - a run's packets as a ladder diagram (text), the
 * view a SIP engineer draws on a whiteboard: one column per node, one row
 * per packet, an arrow from sender to receiver and what it carried.
 *
 * Notes
 *
 * 1. Input is real packets (the run's pcap, LINKTYPE_RAW IPv4 with
 *    nanosecond stamps, as sim/net/pcap.c writes it) parsed with
 *    sim_packet_parse, and labelled by parsing the payload: SIP start
 *    line and CSeq method, STUN class, DNS question/answer, vendor
 *    keep-alives, ICMP errors.  Nothing is taken from the models' state.
 *
 * 2. One row per segment.  A capture is made on every link a packet
 *    crosses; a packet crossing the core shows up twice with the same
 *    (source, destination, protocol, ports, IP id, length).  The first
 *    capture is kept and repeats within 2 s are dropped, so a NATed
 *    REGISTER reads as two rows, phone -> home (private source) and
 *    home -> pbx (public source): exactly where the NAT changed it.  A
 *    private source or destination (RFC 1918) is only seen on its access
 *    link, whose other end is the .1 of its /30 (the run's address plan,
 *    doc/runs.md): that row is drawn to or from the NAT, so the NAT is a
 *    column of its own and a packet it drops is an arrow that stops there.
 *
 * 3. Notes (device events, faults) are rows of their own at a node's
 *    column.
 *
 * Ownership: a Ladder copies what it is given.
 */
#pragma once
#include <glib.h>

#include "sim/kernel/time.h"
#include "experiment/metrics.h"

G_BEGIN_DECLS

typedef struct Ladder Ladder;

/* @hosts (ObsHost) names addresses; unknown addresses show as dotted quads. */
Ladder  *ladder_new        (const GArray *hosts);
void     ladder_free       (Ladder *ladder);   /* NULL-safe */
/* One captured IPv4 packet at @time.  Malformed bytes become a row
 * "(malformed: REASON)". Returns FALSE if the packet was a repeat (note 2). */
gboolean ladder_add_packet (Ladder *ladder, SimTime time, const guint8 *data, gsize len);
/* A note at @node's column. */
void     ladder_add_note   (Ladder *ladder, SimTime time, const char *node, const char *text);
/* Every packet of a pcap file (note 1).  FALSE with an error if the file
 * is not such a pcap. */
gboolean ladder_read_pcap  (Ladder *ladder, const char *path, GError **error);
/* The diagram, rows in time order (stable).  @only: if non-NULL, only rows
 * that involve a node whose name starts with it.  Newly allocated. */
char    *ladder_render     (Ladder *ladder, const char *only);
/* Rows so far (packets kept + notes). */
guint    ladder_n_rows     (const Ladder *ladder);

/* The label of one IPv4 packet, as the ladder shows it ("REGISTER",
 * "200 OK (REGISTER)", "STUN Binding request", "DNS SRV? _sip._udp.x",
 * "keep-alive", ...).  Newly allocated. */
char    *ladder_describe   (const guint8 *data, gsize len);

G_END_DECLS
