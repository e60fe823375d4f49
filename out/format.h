/*
** format.h -- the output formats of a run: the one enum that the run
** configuration (sim/config.h) and the sink that writes it (out/sink.h)
** share.
*/
#ifndef VT_FORMAT_H
#define VT_FORMAT_H

typedef enum vt_format {
  VT_FORMAT_NATIVE = 0,   /* vitae's own layout (schemas/native.sql) */
  VT_FORMAT_OMOP = 1      /* OMOP CDM 5.4 (schemas/omop.sql) */
} vt_format;

#endif
