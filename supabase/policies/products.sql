-- RLS policies of public.products. Source of truth; the migrations carry the same text.

create policy "Members can view the products of their campaigns"
on public.products for select to authenticated
using (id = any(array(select private.my_product_ids())));

create policy "Admins and product managers can view every product"
on public.products for select to authenticated
using ((select private.is_admin()) or (select private.has_permission('products.manage')));

create policy "Product managers can add products"
on public.products for insert to authenticated
with check ((select private.has_permission('products.manage')));

create policy "Product managers can change products"
on public.products for update to authenticated
using ((select private.has_permission('products.manage')))
with check ((select private.has_permission('products.manage')));

create policy "Product managers can remove products"
on public.products for delete to authenticated
using ((select private.has_permission('products.manage')));
