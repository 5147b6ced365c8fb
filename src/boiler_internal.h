/* boiler_internal.h -- what boiler.c (the table) and boiler_text.c (a
 * body's lines) share; nothing outside those two includes it. */
#ifndef LEDE_BOILER_INTERNAL_H
#define LEDE_BOILER_INTERNAL_H

#include "boiler.h"

/* One counted block: key 0 marks a free slot. */
typedef struct boiler_entry {
    uint64_t key;     /* boiler_key of its source and its normalised hash */
    uint32_t count;   /* articles it was seen in */
    uint16_t source;  /* its source's index */
    uint16_t words;   /* words of its normalised form */
    char *text;       /* how it read (BOILER_TEXT_MAX bytes) once boilerplate */
} boiler_entry;

void boiler_lock(boiler_table *t);
void boiler_unlock(boiler_table *t);
/* Under the lock: */
unsigned boiler_source_index(boiler_table *t, const char *name);
uint64_t boiler_key(boiler_table *t, unsigned source, uint64_t block);
boiler_entry *boiler_find(boiler_table *t, uint64_t key);
boiler_entry *boiler_add(boiler_table *t, uint64_t key);
void boiler_count_article(boiler_table *t, unsigned source);
int boiler_entry_known(const boiler_table *t, const boiler_entry *e);
/* e has just become boilerplate: the articles written with it before
 * are to be made again (boiler_take_learned), if any can have been. */
void boiler_note_learned(boiler_table *t, const boiler_entry *e);
/* An article is being written with what t knows now (its lines, each
 * found or not, in e): from now on a line learned may be in articles
 * written before; one that was boilerplate once and is not now (its
 * share fell) is in this one, to be made again once it is again. */
void boiler_note_written(boiler_table *t, boiler_entry *const *e, size_t n);
/* An article counted under source begins a record of log (NULL: none);
 * each of its blocks' keys follows it. */
void boiler_log_article(boiler_log *log, unsigned source);
void boiler_log_key(boiler_log *log, uint64_t key);

#endif
