// Side-by-side peer for bench/peers/kern.sh (see README.md).
// y = W x through ggml's CPU backend, one thread: W 4096 x 14336 (ne0 = 14336) in f32, q8_0 or q4_0, x f32 (ggml quantizes it to q8_0 for the quantized types); prints the median ms of R runs. Our code, linked against a ggml build outside the repository.
#include "ggml.h"
#include "ggml-cpu.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e3+t.tv_nsec/1e6;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){
  const char*tn=argv[1]; int R=argc>2?atoi(argv[2]):21;
  enum ggml_type t=!strcmp(tn,"f32")?GGML_TYPE_F32:!strcmp(tn,"q8_0")?GGML_TYPE_Q8_0:GGML_TYPE_Q4_0;
  const int K=14336,N=4096;
  struct ggml_init_params p={ (size_t)1<<30, NULL, false };
  struct ggml_context*ctx=ggml_init(p);
  struct ggml_tensor*a=ggml_new_tensor_2d(ctx,t,K,N), *b=ggml_new_tensor_2d(ctx,GGML_TYPE_F32,K,1);
  float*src=malloc(sizeof(float)*(size_t)K*N); srand(1);
  for(size_t i=0;i<(size_t)K*N;i++) src[i]=(rand()/(float)RAND_MAX)*2-1;
  if(t==GGML_TYPE_F32) memcpy(a->data,src,sizeof(float)*(size_t)K*N); else ggml_quantize_chunk(t,src,a->data,0,N,K,NULL);
  for(int i=0;i<K;i++) ((float*)b->data)[i]=(rand()/(float)RAND_MAX)*2-1;
  struct ggml_tensor*c=ggml_mul_mat(ctx,a,b);
  struct ggml_cgraph*g=ggml_new_graph(ctx); ggml_build_forward_expand(g,c);
  double ms[256];
  for(int r=0;r<R;r++){double t0=now(); ggml_graph_compute_with_ctx(ctx,g,1); ms[r]=now()-t0;}
  qsort(ms,R,sizeof(double),cmp);
  printf("ggml %s median %.3f ms\n",tn,ms[R/2]);
  return 0;
}
